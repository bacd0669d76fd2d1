#include "clients/secretscanner.h"

#include <QTest>

using namespace keyward::clients;
using json = nlohmann::json;

class TestSecretScanner : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void envValueIsFound_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("secret");
        QTest::newRow("github classic") << "GH" << "ghp_R8x2Lq9TzVb4Nc7Wm1Ks5Hd3Jf6Gp0Ya2Ue8" << true;
        QTest::newRow("github fine-grained") << "X" << "github_pat_11ABCDEFG0123456789_abcdefghijklmnop" << true;
        QTest::newRow("stripe live") << "S" << "sk_live_51Hx2Ab9Cd8Ef7Gh6Ij5Kl4Mn3" << true;
        QTest::newRow("anthropic") << "A" << "sk-ant-api03-abcdefghijklmnopqrstuv" << true;
        QTest::newRow("slack bot") << "S" << "xoxb-1234567890-0987654321-AbCdEf" << true;
        QTest::newRow("aws key id") << "ID" << "AKIAIOSFODNN7EXAMPLE" << true;
        QTest::newRow("google") << "G" << "AIzaSyD-1234567890abcdefghijklmno" << true;
        QTest::newRow("gitlab") << "G" << "glpat-xxxxxxxxxxxxxxxxxxxx" << true;
        QTest::newRow("npm") << "N" << "npm_abcdefghijklmnopqrstuvwxyz0123456789" << true;
        QTest::newRow("random under a KEY name") << "BRAVE_API_KEY" << "BSAq8Zr3Kx7Vn2Mw5Lp9Jt4Hd6Gf1Cs0" << true;
        QTest::newRow("random under a PASSWORD name") << "DB_PASSWORD" << "q8Zr3Kx7Vn2Mw5Lp9J" << true;
        QTest::newRow("random under a neutral name") << "REGION" << "BSAq8Zr3Kx7Vn2Mw5Lp9Jt4Hd6Gf1Cs0" << false;
        QTest::newRow("short under a KEY name") << "API_KEY" << "abc123" << false;
        QTest::newRow("low entropy under a KEY name") << "API_KEY" << "aaaaaaaaaaaaaaaaaaaaaaaa" << false;
        QTest::newRow("VS Code input reference") << "API_KEY" << "${input:perplexity-key}" << false;
        QTest::newRow("env reference") << "TOKEN" << "${env:GITHUB_TOKEN}" << false;
        QTest::newRow("path under a KEY name") << "SSH_KEY_FILE" << "/home/ada/.ssh/id_ed25519_work_laptop" << false;
        QTest::newRow("prefix alone") << "X" << "sk-" << false;
        QTest::newRow("package name after a short prefix") << "X" << "sk-mcp-server-tools" << false;
        QTest::newRow("short value after a short prefix") << "X" << "npm_a1b2c3d4" << false;
        QTest::newRow("words with spaces") << "AUTH_MODE" << "use the default login flow" << false;
    }
    void envValueIsFound()
    {
        QFETCH(QString, name);
        QFETCH(QString, value);
        QFETCH(bool, secret);
        const json entry = {{"command", "npx"}, {"env", {{name.toStdString(), value.toStdString()}}}};
        const auto found = scanServer("s", {"mcpServers", "s"}, entry);
        QCOMPARE(found.size(), secret ? size_t(1) : size_t(0));
        if (secret) {
            QCOMPARE(found[0].secret, value.toStdString());
            QCOMPARE(found[0].place, SecretPlace::Env);
            QCOMPARE(found[0].valuePath, (KeyPath{"mcpServers", "s", "env", name.toStdString()}));
        }
    }

    void headerBearerValueIsFoundWithoutItsScheme()
    {
        const json entry = {{"url", "https://mcp.linear.app/mcp"},
                            {"headers", {{"Authorization", "Bearer lin_api_Q7w8E9r0T1y2U3i4O5p6A7s8D9f0G1h2"}}}};
        const auto found = scanServer("linear", {"mcpServers", "linear"}, entry);
        QCOMPARE(found.size(), size_t(1));
        QCOMPARE(found[0].place, SecretPlace::Header);
        QCOMPARE(found[0].secret, std::string("lin_api_Q7w8E9r0T1y2U3i4O5p6A7s8D9f0G1h2"));
    }

    void argsFlagsUrlsAndHeadersAreScanned()
    {
        const json entry = {{"command", "npx"},
                            {"args",
                             {"-y", "@sentry/mcp-server", "--access-token=sntrys_eyJpYXQiOjE3MDAwMDAwMDB9_Zx8Yw7", "--api-key",
                              "Zq8Xr3Kw7Vn2Mw5Lp9Jt4Hd6", "postgresql://app:Pa55w0rd-Xq81@localhost/app", "--header",
                              "Authorization: Bearer ghp_R8x2Lq9TzVb4Nc7Wm1Ks5Hd3Jf6Gp0Ya2Ue8", "/tmp/plain"}}};
        const auto found = scanServer("s", {"mcpServers", "s"}, entry);
        QCOMPARE(found.size(), size_t(4));
        QCOMPARE(found[0].name, std::string("access-token"));
        QCOMPARE(found[0].valuePath, (KeyPath{"mcpServers", "s", "args", "2"}));
        QCOMPARE(found[1].name, std::string("api-key"));
        QCOMPARE(found[2].name, std::string("userinfo"));
        QCOMPARE(found[2].secret, std::string("Pa55w0rd-Xq81"));
        QCOMPARE(found[3].secret, std::string("ghp_R8x2Lq9TzVb4Nc7Wm1Ks5Hd3Jf6Gp0Ya2Ue8"));
    }

    void urlQueryParameterIsScanned()
    {
        const json entry = {{"serverUrl", "https://docs.example.com/mcp?lang=en&api_key=k3J9xQ2mZ8vR5tL1wN7pB4cY6hD0fG3s"}};
        const auto found = scanServer("docs", {"mcpServers", "docs"}, entry);
        QCOMPARE(found.size(), size_t(1));
        QCOMPARE(found[0].place, SecretPlace::Url);
        QCOMPARE(found[0].name, std::string("api_key"));
        QCOMPARE(found[0].secret, std::string("k3J9xQ2mZ8vR5tL1wN7pB4cY6hD0fG3s"));
    }

    void keywardsOwnEntryIsSkipped()
    {
        const ClientDescriptor &cursor = *findClient(QStringLiteral("cursor"));
        const json document = {{"mcpServers",
                                {{"keyward", {{"url", "http://127.0.0.1:47817/mcp"},
                                              {"headers", {{"Authorization", "Bearer ghp_R8x2Lq9TzVb4Nc7Wm1Ks5Hd3Jf6Gp0Ya2Ue8"}}}}},
                                 {"other", {{"env", {{"TOKEN", "ghp_R8x2Lq9TzVb4Nc7Wm1Ks5Hd3Jf6Gp0Ya2Ue8"}}}}}}}};
        const auto found = scanDocument(cursor, document);
        QCOMPARE(found.size(), size_t(1));
        QCOMPARE(found[0].server, std::string("other"));
    }

    void maskShowsFourCharactersAndTheLength()
    {
        QCOMPARE(maskSecret("ghp_R8x2Lq9TzVb4Nc7Wm1Ks5Hd3Jf6Gp0Ya2Ue8"), QStringLiteral("ghp_…(40 chars)"));
        QCOMPARE(maskSecret("abc"), QStringLiteral("abc…(3 chars)"));
    }

    void entropyOfUniformAndRepeatedText()
    {
        QCOMPARE(shannonEntropy("aaaa"), 0.0);
        QCOMPARE(shannonEntropy("abcd"), 2.0);
        QVERIFY(isSecretName("github_personal_access_token"));
        QVERIFY(isSecretName("X-Api-Key"));
        QVERIFY(!isSecretName("PATH"));
    }
};

QTEST_APPLESS_MAIN(TestSecretScanner)
#include "tst_secretscanner.moc"
