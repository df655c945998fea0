/*
 * ConnectorJ.java PORT TOKENFILE CA ID: MariaDB Connector/J (Debian's libmariadb-java) through
 * jitgate over TLS, the token as password, server-side prepared statements
 * (useServerPrepStmts=true: COM_STMT_PREPARE / COM_STMT_EXECUTE). run.sh compiles it with javac
 * into the suite's temp dir. Prints one line per step:
 *   customers N          a text-protocol SELECT
 *   inserted N           INSERT INTO shop.blobs through a server-side prepared statement
 *   read ID DATA         the row read back through another prepared statement
 * or "ERROR code (sqlstate): message" for the first failure, and exits 1.
 */
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

public final class ConnectorJ {
	private ConnectorJ() {}

	public static void main(String[] args) throws Exception {
		String port = args[0];
		String token = new String(Files.readAllBytes(Paths.get(args[1])), StandardCharsets.UTF_8).trim();
		String ca = args[2];
		int id = Integer.parseInt(args[3]);
		Properties p = new Properties();
		p.setProperty("user", "agent");
		p.setProperty("password", token);
		p.setProperty("useSsl", "true");
		p.setProperty("serverSslCert", ca);          // trust the CA that signed the gateway's certificate
		p.setProperty("useServerPrepStmts", "true");
		p.setProperty("connectTimeout", "15000");
		p.setProperty("socketTimeout", "30000");
		String url = "jdbc:mariadb://127.0.0.1:" + port + "/shop";
		try (Connection c = DriverManager.getConnection(url, p)) {
			try (Statement st = c.createStatement();
			     ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM shop.customers")) {
				rs.next();
				System.out.println("customers " + rs.getLong(1));
			}
			try (PreparedStatement ps = c.prepareStatement("INSERT INTO shop.blobs (id, data) VALUES (?, ?)")) {
				ps.setInt(1, id);
				ps.setBytes(2, ("connector/j " + id).getBytes(StandardCharsets.UTF_8));
				System.out.println("inserted " + ps.executeUpdate());
			}
			try (PreparedStatement ps = c.prepareStatement("SELECT id, data FROM shop.blobs WHERE id = ?")) {
				ps.setInt(1, id);
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next())
						System.out.println("read " + rs.getInt(1) + " " +
						                   new String(rs.getBytes(2), StandardCharsets.UTF_8));
				}
			}
		} catch (SQLException e) {
			System.out.println("ERROR " + e.getErrorCode() + " (" + e.getSQLState() + "): " +
			                   e.getMessage().replace('\n', ' '));
			System.exit(1);
		}
	}
}
