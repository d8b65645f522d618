package powermap.neo4j;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.Config;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.io.ByteUnit;

/**
 * A local Neo4j Community server for powermap's development and tests: the real DBMS with its
 * Bolt connector on 127.0.0.1, authentication on, no HTTP, no usage reporting, a bounded page
 * cache (the heap is bounded by the JVM's -Xmx). Runs in the foreground; prints one line
 * {@code NEO4J_URI=bolt://127.0.0.1:PORT NEO4J_USER=neo4j NEO4J_PASSWORD=…} once Bolt answers a
 * handshake, and shuts the DBMS down cleanly on Ctrl-C or SIGTERM.
 *
 * <p>Usage: {@code Main --home DIR [--port 7687] [--password SECRET] [--pagecache-mb 128]
 *     [--stop-on-stdin-eof true] [--setting NAME=VALUE]…}. With {@code --stop-on-stdin-eof} it also
 *     stops when its standard input closes (the process that started it is gone), so a test run that
 *     dies leaves no server behind; each {@code --setting} is one more Neo4j setting (after the
 *     ones above, so it may override them; the tests use it for a server that locks out users).
 */
public final class Main {
    private static final String USER = "neo4j";

    private Main() {}

    public static void main(String[] args) throws Exception {
        Path home = null;
        int port = 7687;
        String password = null;
        long pageCacheMb = 128;
        boolean stopOnStdinEof = false;
        Map<String, String> settings = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 >= args.length) {
                fail("option " + name + " needs a value");
            }
            String value = args[++i];
            switch (name) {
                case "--home" -> home = Path.of(value).toAbsolutePath();
                case "--port" -> port = Integer.parseInt(value);
                case "--password" -> password = value;
                case "--pagecache-mb" -> pageCacheMb = Long.parseLong(value);
                case "--stop-on-stdin-eof" -> stopOnStdinEof = Boolean.parseBoolean(value);
                case "--setting" -> {
                    int equals = value.indexOf('=');
                    if (equals < 1) {
                        fail("--setting needs NAME=VALUE, e.g. db.memory.transaction.max=64m");
                    }
                    settings.put(value.substring(0, equals), value.substring(equals + 1));
                }
                default -> fail("unknown option " + name);
            }
        }
        if (home == null) {
            fail("--home DIR is required (where the databases and logs live)");
        }
        if (password == null) {
            password = generatedPassword();
        } else if (password.length() < 8) {
            fail("the password must have 8 characters or more (Neo4j's minimum)");
        }

        CountDownLatch stopped = new CountDownLatch(1);
        try {
            DatabaseManagementService dbms = start(home, port, pageCacheMb, settings);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.err.println("[neo4j] stopping");
                dbms.shutdown();
                System.err.println("[neo4j] stopped");
                stopped.countDown();
            }, "neo4j-shutdown"));
            setPassword(dbms, password);
            awaitBolt(port, Duration.ofSeconds(120));
        } catch (Exception err) {
            err.printStackTrace();
            fail("could not start: " + err);
        }
        System.out.println("NEO4J_URI=bolt://127.0.0.1:" + port + " NEO4J_USER=" + USER + " NEO4J_PASSWORD=" + password);
        System.out.flush();
        if (stopOnStdinEof) {
            watchStdin();
        }
        stopped.await();
    }

    /** The DBMS with Bolt on 127.0.0.1:port only, authentication on, nothing else listening. */
    private static DatabaseManagementService start(Path home, int port, long pageCacheMb,
                                                   Map<String, String> settings) {
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // tests try wrong passwords on purpose; Neo4j's default locks the user out for
                // 5 s after 3 failures, which would fail the next test's correct login
                .setConfig(GraphDatabaseSettings.auth_max_failed_attempts, 0)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // the databases are checkpointed and closed before Bolt stops; without these two, Bolt
                // then idles 2 x 5 s before the process may exit
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ZERO)
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ZERO);
        Config parsed = Config.newBuilder().setRaw(settings).build();  // checks the names and values
        for (String name : settings.keySet()) {
            Setting<Object> setting = parsed.getSetting(name);
            builder.setConfig(setting, parsed.get(setting));
        }
        return builder.build();
    }

    /** Sets the password of user neo4j (kept databases may already have it: that is fine). */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER " + USER + " SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (QueryExecutionException err) {
            if (!String.valueOf(err.getMessage()).contains("Old password and new password cannot be the same")) {
                throw err;
            }
        }
    }

    /** Waits until the Bolt connector answers a version handshake with a version it speaks. */
    private static void awaitBolt(int port, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                socket.setSoTimeout(5000);
                OutputStream out = socket.getOutputStream();
                // magic preamble, then four proposed versions: 5.x (range 4 below 5.4), 4.4, none, none
                out.write(new byte[] {0x60, 0x60, (byte) 0xB0, 0x17,
                        0, 4, 4, 5, 0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0});
                out.flush();
                int version = new DataInputStream(socket.getInputStream()).readInt();
                if (version != 0) {
                    return;
                }
                last = new IOException("Bolt refused every proposed protocol version");
            } catch (IOException err) {
                last = err;
            }
            Thread.sleep(100);
        }
        fail("Bolt did not answer on 127.0.0.1:" + port + " within " + limit.toSeconds() + " s: " + last);
    }

    /** Exits (through the shutdown hook) when standard input closes: the parent process is gone. */
    private static void watchStdin() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // the parent writes nothing; any bytes are ignored
                }
            } catch (IOException ignored) {
                // a broken pipe means the same as end of input
            }
            System.err.println("[neo4j] standard input closed: the parent process is gone");
            System.exit(0);
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static String generatedPassword() {
        String alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            password.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return password.toString();
    }

    private static void fail(String message) {
        System.err.println("[neo4j] " + message);
        System.exit(2);
    }
}
