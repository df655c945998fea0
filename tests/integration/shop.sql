-- shop.sql: the demo and test schema (database `shop`). Loaded by mariadb.sh as root.
--
-- Everything is fixed (no NOW(), no RAND()) so that a result read directly from MariaDB and one
-- read through jitgate can be compared byte for byte. The card numbers are the card networks'
-- published test numbers: they pass the Luhn check, as real ones would, so masking can be tested
-- on realistic data, but they belong to nobody. Names include non-ASCII letters and one customer
-- has no email, so UTF-8 and NULL travel through the tests too.

DROP DATABASE IF EXISTS shop;
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE shop;

CREATE TABLE customers (
  id          INT UNSIGNED NOT NULL PRIMARY KEY,
  name        VARCHAR(100) NOT NULL,
  email       VARCHAR(255) NULL,
  card_number VARCHAR(19)  NOT NULL,
  created_at  DATETIME     NOT NULL
) ENGINE=InnoDB;

CREATE TABLE orders (
  id          INT UNSIGNED  NOT NULL PRIMARY KEY,
  customer_id INT UNSIGNED  NOT NULL,
  amount      DECIMAL(10,2) NOT NULL,
  status      ENUM('pending','paid','shipped','refunded','cancelled') NOT NULL,
  created_at  DATETIME      NOT NULL,
  KEY (customer_id),
  CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

-- Tests insert large values here themselves (a 20 MiB value crosses the 16 MiB packet boundary).
CREATE TABLE blobs (
  id   INT NOT NULL PRIMARY KEY,
  data LONGBLOB
) ENGINE=InnoDB;

INSERT INTO customers (id, name, email, card_number, created_at) VALUES
  (1,  'Alice Martin',      'alice.martin@example.com',    '4111111111111111',    '2024-01-03 09:12:44'),
  (2,  'Bruno Costa',       'bruno.costa@example.net',     '5555555555554444',    '2024-01-17 14:05:10'),
  (3,  'Chloé Dubois',      'chloe.dubois@example.org',    '378282246310005',     '2024-02-02 08:30:00'),
  (4,  'Dmitri Volkov',     'dmitri.volkov@example.com',   '6011111111111117',    '2024-02-19 19:47:21'),
  (5,  'Emma Schmidt',      'emma.schmidt@example.de',     '4012888888881881',    '2024-03-05 11:00:59'),
  (6,  'Farah Haddad',      'farah.haddad@example.com',    '5105105105105100',    '2024-03-22 16:18:37'),
  (7,  'Gustavo Oliveira',  'gustavo.oliveira@example.br', '371449635398431',     '2024-04-08 07:55:12'),
  (8,  'Hana Suzuki',       'hana.suzuki@example.jp',      '3530111333300000',    '2024-04-30 22:02:48'),
  (9,  'Ian O''Connor',     'ian.oconnor@example.ie',      '6011000990139424',    '2024-05-14 13:33:33'),
  (10, 'Jana Novák',        'jana.novak@example.cz',       '5200828282828210',    '2024-06-01 10:10:10'),
  (11, 'Kwame Mensah',      'kwame.mensah@example.com',    '4242424242424242',    '2024-06-18 17:45:00'),
  (12, 'Lena Johansson',    NULL,                          '2223003122003222',    '2024-07-07 06:20:15'),
  (13, 'Mateo García',      'mateo.garcia@example.es',     '3566002020360505',    '2024-07-29 12:00:01'),
  (14, 'Nadia Petrova',     'nadia.petrova@example.com',   '30569309025904',      '2024-08-12 09:09:09'),
  (15, 'Oliver Smith',      'oliver.smith@example.co.uk',  '4000056655665556',    '2024-08-31 23:59:59'),
  (16, 'Priya Sharma',      'priya.sharma@example.in',     '6200000000000005',    '2024-09-16 15:16:17'),
  (17, 'Quentin Moreau',    'quentin.moreau@example.fr',   '38520000023237',      '2024-10-04 08:08:08'),
  (18, 'Rosa Fernández',    'rosa.fernandez@example.mx',   '5425233430109903',    '2024-10-27 18:30:45'),
  (19, 'Samuel Okafor',     'samuel.okafor@example.ng',    '4917610000000000003', '2024-11-11 11:11:11'),
  (20, 'Zoë van Dijk',      'zoe.vandijk@example.nl',      '6555900000604105',    '2024-12-24 20:00:00');

INSERT INTO orders (id, customer_id, amount, status, created_at) VALUES
  (1, 4, 865.56, 'refunded', '2025-09-17 03:17:37'),
  (2, 8, 879.92, 'paid', '2025-07-27 04:13:50'),
  (3, 13, 1164.66, 'paid', '2025-03-25 02:04:38'),
  (4, 6, 984.21, 'shipped', '2025-07-05 08:08:18'),
  (5, 17, 87.48, 'cancelled', '2025-10-19 23:58:38'),
  (6, 1, 303.86, 'paid', '2025-02-20 03:19:30'),
  (7, 9, 455.94, 'shipped', '2025-10-11 17:26:16'),
  (8, 9, 1027.12, 'pending', '2025-10-25 09:31:00'),
  (9, 15, 378.24, 'pending', '2025-01-17 14:42:17'),
  (10, 10, 860.76, 'paid', '2025-06-22 12:25:42'),
  (11, 6, 1134.33, 'cancelled', '2025-05-25 17:10:21'),
  (12, 8, 37.28, 'paid', '2025-02-14 16:30:48'),
  (13, 20, 58.39, 'paid', '2025-01-09 22:37:12'),
  (14, 15, 1007.63, 'refunded', '2025-05-17 06:12:37'),
  (15, 18, 389.51, 'shipped', '2025-07-08 23:22:15'),
  (16, 14, 690.13, 'shipped', '2025-03-18 16:19:37'),
  (17, 10, 604.37, 'paid', '2025-04-08 10:13:00'),
  (18, 7, 585.03, 'paid', '2025-01-16 04:56:34'),
  (19, 16, 730.83, 'cancelled', '2025-10-14 13:36:39'),
  (20, 2, 999.69, 'refunded', '2025-02-09 17:39:02'),
  (21, 7, 85.78, 'paid', '2025-07-07 10:39:45'),
  (22, 14, 371.86, 'shipped', '2025-07-22 05:21:20'),
  (23, 15, 32.23, 'paid', '2025-01-15 07:26:54'),
  (24, 10, 964.35, 'paid', '2025-02-13 10:32:51'),
  (25, 4, 1135.94, 'refunded', '2025-04-24 06:49:22'),
  (26, 9, 708.19, 'paid', '2025-09-17 02:56:34'),
  (27, 19, 1109.11, 'paid', '2025-09-20 22:15:24'),
  (28, 4, 1226.45, 'pending', '2025-03-14 18:37:33'),
  (29, 5, 483.03, 'shipped', '2025-02-18 13:00:38'),
  (30, 20, 680.18, 'paid', '2025-08-01 18:25:51'),
  (31, 10, 748.21, 'paid', '2025-01-20 01:14:43'),
  (32, 16, 1046.58, 'shipped', '2025-02-27 13:05:11'),
  (33, 10, 110.41, 'paid', '2025-10-03 08:22:17'),
  (34, 19, 360.54, 'refunded', '2025-08-22 06:08:26'),
  (35, 12, 119.50, 'paid', '2025-08-18 04:55:38'),
  (36, 8, 533.44, 'paid', '2025-02-07 14:53:29'),
  (37, 18, 384.44, 'paid', '2025-01-12 19:59:44'),
  (38, 13, 78.26, 'paid', '2025-05-15 05:24:53'),
  (39, 7, 10.38, 'paid', '2025-06-04 11:27:53'),
  (40, 6, 659.24, 'paid', '2025-10-13 12:13:43'),
  (41, 17, 862.12, 'paid', '2025-06-27 10:05:46'),
  (42, 8, 755.79, 'cancelled', '2025-03-06 04:29:18'),
  (43, 9, 1122.29, 'shipped', '2025-02-09 06:26:39'),
  (44, 19, 208.18, 'paid', '2025-09-28 10:44:02'),
  (45, 17, 477.96, 'refunded', '2025-06-06 15:12:54'),
  (46, 4, 366.25, 'shipped', '2025-09-16 07:26:07'),
  (47, 13, 32.03, 'shipped', '2025-08-11 14:41:57'),
  (48, 14, 355.09, 'paid', '2025-01-13 20:12:37'),
  (49, 2, 1234.62, 'shipped', '2025-01-07 00:00:04'),
  (50, 16, 637.12, 'shipped', '2025-09-23 16:29:34');

-- report(): several result sets from one CALL, the case where a gateway must keep reading after
-- the first result set (SERVER_MORE_RESULTS_EXISTS) and then the final OK.
DELIMITER //
CREATE PROCEDURE report()
  READS SQL DATA
BEGIN
  SELECT COUNT(*) AS customers FROM customers;
  SELECT status, COUNT(*) AS orders, SUM(amount) AS total FROM orders GROUP BY status ORDER BY status;
  SELECT c.id, c.name, SUM(o.amount) AS spent
    FROM customers c JOIN orders o ON o.customer_id = c.id
    GROUP BY c.id, c.name ORDER BY spent DESC, c.id LIMIT 5;
END //
DELIMITER ;
