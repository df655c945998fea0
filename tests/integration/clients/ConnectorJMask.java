/*
 * ConnectorJMask.java PORT TOKENFILE CA: masked rows as a Java application reads them. MariaDB
 * Connector/J (Debian's libmariadb-java) through jitgate over TLS, the token as password, with
 * useServerPrepStmts=true (COM_STMT_PREPARE / COM_STMT_EXECUTE, rows in the binary protocol),
 * useCursorFetch=true and setFetchSize(1) on the PreparedStatement, as an application that pages
 * through a large result would configure it.
 *
 * Connector/J 2.7 has no useCursorFetch option (it ignores unknown ones): its COM_STMT_EXECUTE
 * always carries CURSOR_TYPE_NO_CURSOR and it never sends COM_STMT_FETCH; a fetch size makes it
 * stream, reading the rows the server sent in one result one at a time as next() asks for them.
 * The case in mask_agent_cases.sh counts what the database received.
 *
 * The statement is executed twice (id > 0, then id > 1), as a cached prepared statement is: the
 * second COM_STMT_EXECUTE has no COM_STMT_PREPARE before it, so the masks must come from what the
 * gateway kept of the prepare. run.sh compiles it with javac into the suite's temp dir. Prints
 *   driver NAME VERSION
 *   execute ID_FLOOR
 *   row ID CARD EMAIL PIN BALANCE        (NULL for an SQL NULL; BALANCE via getBigDecimal)
 * or "ERROR code (sqlstate): message" for the first failure, and exits 1.
 */
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

public final class ConnectorJMask {
	private ConnectorJMask() {}

	private static String text(String s) {
		return s == null ? "NULL" : s;
	}

	public static void main(String[] args) throws Exception {
		String port = args[0];
		String token = new String(Files.readAllBytes(Paths.get(args[1])), StandardCharsets.UTF_8).trim();
		String ca = args[2];
		Properties p = new Properties();
		p.setProperty("user", "agent");
		p.setProperty("password", token);
		p.setProperty("useSsl", "true");
		p.setProperty("serverSslCert", ca);          // trust the CA that signed the gateway's certificate
		p.setProperty("useServerPrepStmts", "true");
		p.setProperty("useCursorFetch", "true");
		p.setProperty("connectTimeout", "30000");
		p.setProperty("socketTimeout", "30000");
		String url = "jdbc:mariadb://127.0.0.1:" + port + "/shop";
		String sql = "SELECT id, card_number, email, pin, balance FROM shop.cards WHERE id > ? ORDER BY id";
		try (Connection c = DriverManager.getConnection(url, p)) {
			System.out.println("driver " + c.getMetaData().getDriverName() + " " +
			                   c.getMetaData().getDriverVersion());
			try (PreparedStatement ps = c.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY,
			                                               ResultSet.CONCUR_READ_ONLY)) {
				ps.setFetchSize(1);
				for (int floor : new int[] {0, 1}) {
					ps.setInt(1, floor);
					System.out.println("execute " + floor);
					try (ResultSet rs = ps.executeQuery()) {
						while (rs.next()) {
							int id = rs.getInt(1);
							String card = rs.getString(2);
							String email = rs.getString(3);
							long pin = rs.getLong(4);
							String pinText = rs.wasNull() ? "NULL" : Long.toString(pin);
							BigDecimal balance = rs.getBigDecimal(5);
							System.out.println("row " + id + " " + text(card) + " " + text(email) + " " +
							                   pinText + " " + (balance == null ? "NULL" : balance.toPlainString()));
						}
					}
				}
			}
		} catch (SQLException e) {
			System.out.println("ERROR " + e.getErrorCode() + " (" + e.getSQLState() + "): " +
			                   e.getMessage().replace('\n', ' '));
			System.exit(1);
		}
	}
}
