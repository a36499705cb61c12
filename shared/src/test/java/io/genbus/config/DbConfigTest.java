package io.genbus.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("the db section")
class DbConfigTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("is optional: no url, no database, the documented defaults")
  void defaults() {
    DbConfig db = new ConfigLoader(Map.of()).db(null);
    assertFalse(db.enabled());
    assertNull(db.url());
    assertEquals(100_000, db.bufferRows());
    assertEquals(500, db.batchRows());
    assertEquals(1000, db.flushMillis());
    assertEquals(4, db.poolSize());
  }

  @Test
  @DisplayName("is read from the file's top level, beside api and worker; GENBUS_DB_URL overrides db.url")
  void fileAndEnvironment() throws IOException {
    Path file = dir.resolve("genbus.yaml");
    Files.writeString(file, """
        api:
          port: 8080
        db:
          url: postgresql://genbus:s3cret@db.example:6543/usage
          bufferRows: 2000
          batchRows: 100
          flushMillis: 250
          poolSize: 2
        """);
    DbConfig db = new ConfigLoader(Map.of()).db(file);
    DbConfig.Target target = db.target();
    assertEquals("db.example", target.host());
    assertEquals(6543, target.port());
    assertEquals("usage", target.database());
    assertEquals("genbus", target.user());
    assertEquals("s3cret", target.password());
    assertEquals("jdbc:postgresql://db.example:6543/usage?sslmode=disable", target.jdbcUrl());
    assertEquals(2000, db.bufferRows());
    assertEquals(100, db.batchRows());
    assertEquals(250, db.flushMillis());
    assertEquals(2, db.poolSize());

    DbConfig fromEnv = new ConfigLoader(Map.of("GENBUS_DB_URL", "postgres://other:pw@127.0.0.1/genbus?sslmode=require",
        "GENBUS_DB_BATCH_ROWS", "42")).db(file);
    assertEquals("127.0.0.1", fromEnv.target().host());
    assertEquals(5432, fromEnv.target().port(), "the default port");
    assertEquals("require", fromEnv.target().sslMode());
    assertEquals(42, fromEnv.batchRows());
  }

  @Test
  @DisplayName("never shows the password: toString and the masked URL say ***")
  void masksThePassword() {
    DbConfig db = new ConfigLoader(Map.of()).dbFromText("url: postgresql://genbus:hunter2@db:5432/genbus");
    assertEquals("postgresql://genbus:***@db:5432/genbus", db.maskedUrl());
    assertFalse(db.toString().contains("hunter2"), db.toString());
    assertFalse(db.target().toString().contains("hunter2"));
    assertTrue(db.toString().contains("***"));
  }

  @Test
  @DisplayName("percent-encoded user and password are decoded")
  void encodedPassword() {
    DbConfig db = new ConfigLoader(Map.of()).dbFromText("url: postgresql://gen%40bus:p%3Aw%2Fd@db/genbus");
    assertEquals("gen@bus", db.target().user());
    assertEquals("p:w/d", db.target().password());
  }

  @Test
  @DisplayName("refuses a bad URL or value with a message naming the key, never the password")
  void refusesBadValues() {
    ConfigLoader loader = new ConfigLoader(Map.of());
    for (String url : new String[] {"mysql://u:hunter2@db/x", "postgresql://u:hunter2@/x", "postgresql://u:hunter2@db",
        "postgresql://u:hunter2@db/x?ssl=true", "postgresql://db/x", "postgresql://u:hunter2@db/x y"}) {
      ConfigException e = assertThrows(ConfigException.class, () -> loader.dbFromText("url: \"" + url + "\""), url);
      assertTrue(e.getMessage().contains("db.url"), e.getMessage());
      assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
    assertThrows(ConfigException.class, () -> loader.dbFromText("bufferRows: 0"));
    assertThrows(ConfigException.class, () -> loader.dbFromText("batchRows: 100000"));
    assertThrows(ConfigException.class, () -> loader.dbFromText("flushMillis: 5"));
    assertThrows(ConfigException.class, () -> loader.dbFromText("poolSize: 0"));
    ConfigException unknown = assertThrows(ConfigException.class, () -> loader.dbFromText("uri: postgresql://u@db/x"));
    assertTrue(unknown.getMessage().contains("uri"), unknown.getMessage());
  }
}
