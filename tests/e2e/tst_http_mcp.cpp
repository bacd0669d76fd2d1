// End to end over Streamable HTTP: `keyward agent add conf` makes a token, `keyward serve --http 0`
// serves, then the official MCP TypeScript SDK client (sdk_http_client.mjs) and the MCP
// conformance suite (@modelcontextprotocol/conformance 0.1.13, token added by the
// conformance_auth.mjs preload) run against it.

#include "support/e2eprocess.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QProcess>
#include <QtTest>

using json = nlohmann::json;

namespace {

struct NodeRun {
    bool finished = false;
    int exitCode = -1;
    QString out;
    QString err;
};

// Runs `program args` in tests/e2e with KEYWARD_HOME and `extra` in the environment (the token
// travels there, never in argv).
NodeRun runInE2eDir(const QString &program, const QStringList &args, const keyward::test::TempHome &home,
                    const QProcessEnvironment &extra, int timeoutMs = 180000)
{
    QProcess process;
    process.setWorkingDirectory(QStringLiteral(KEYWARD_E2E_DIR));
    QProcessEnvironment env = keyward::test::environmentFor(home);
    env.insert(extra);
    process.setProcessEnvironment(env);
    process.start(program, args);
    NodeRun run;
    if (!process.waitForStarted(30000)) {
        run.err = process.errorString();
        return run;
    }
    run.finished = process.waitForFinished(timeoutMs);
    if (!run.finished) {
        process.kill();
        process.waitForFinished(5000);
    }
    run.exitCode = process.exitCode();
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

} // namespace

class TestHttpMcp : public QObject {
    Q_OBJECT

    keyward::test::TempHome m_home;
    QByteArray m_token;
    QProcess m_serve;
    QString m_url;
    QByteArray m_serveOut;

    QProcessEnvironment tokenEnvironment() const
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("KEYWARD_TEST_TOKEN"), QString::fromUtf8(m_token));
        return env;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        const auto added = keyward::test::runKeyward(m_home, {QStringLiteral("agent"), QStringLiteral("add"),
                                                              QStringLiteral("conf"), QStringLiteral("--json")});
        const QByteArray said = added.out + added.err;
        QVERIFY2(added.exitCode == 0, said.constData());
        const json parsed = json::parse(added.out.toStdString(), nullptr, false);
        m_token = parsed.is_object() && parsed.contains("token") ? QByteArray::fromStdString(parsed["token"].get<std::string>())
                                                                 : added.out.trimmed();
        QVERIFY2(m_token.startsWith("kwa_"), "keyward agent add printed no kwa_ token");

        m_serve.setProcessEnvironment(keyward::test::environmentFor(m_home));
        m_serve.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("serve"), QStringLiteral("--http"), QStringLiteral("0")});
        QVERIFY(m_serve.waitForStarted(30000));
        QElapsedTimer waited;
        waited.start();
        while (!m_serveOut.contains('\n') && waited.elapsed() < 30000 && m_serve.state() == QProcess::Running) {
            m_serve.waitForReadyRead(1000);
            m_serveOut += m_serve.readAllStandardOutput();
        }
        QVERIFY2(m_serveOut.contains('\n'), "keyward serve printed no ready line within 30 s");
        const json ready = json::parse(m_serveOut.left(m_serveOut.indexOf('\n')).toStdString(), nullptr, false);
        QVERIFY2(ready.is_object() && ready.value("ready", false) && ready["http"].is_string(), m_serveOut.constData());
        m_url = QString::fromStdString(ready["http"].get<std::string>());
        QVERIFY2(QRegularExpression(QStringLiteral("^http://127\\.0\\.0\\.1:[1-9][0-9]*/mcp$")).match(m_url).hasMatch(),
                 qPrintable(m_url));
    }

    void sdkClientInitializesPingsListsCallsAndTerminates()
    {
        const NodeRun run = runInE2eDir(QStringLiteral("node"), {QStringLiteral("sdk_http_client.mjs"), m_url}, m_home,
                                        tokenEnvironment());
        QVERIFY2(run.finished, "the SDK client did not finish");
        const json out = json::parse(run.out.toStdString(), nullptr, false);
        QVERIFY2(out.is_object(), qPrintable(QStringLiteral("no JSON from the client: ") + run.out + run.err));
        QVERIFY2(out.value("ok", false), out.dump().c_str());
        QCOMPARE(run.exitCode, 0);
        QVERIFY(out["sessionId"].is_string());
        QCOMPARE(out["protocolVersion"], json("2025-11-25"));
        QCOMPARE(out["serverVersion"]["name"], json("keyward"));
        QCOMPARE(out["ping"], json::object());
        QCOMPARE(out["tools"][0]["name"], json("list_services"));
        QCOMPARE(out["callResult"]["isError"], json(false));
        QCOMPARE(out["callResult"]["structuredContent"]["services"], json::array());
        QCOMPARE(out["terminated"], json(true));
        QCOMPARE(out["staleSessionStatus"], json(404));
        QVERIFY2(!run.out.contains(QString::fromUtf8(m_token)), "the token was printed");
    }

    void conformanceScenariosPass_data()
    {
        QTest::addColumn<QString>("scenario");
        for (const char *scenario :
             {"server-initialize", "ping", "tools-list", "server-sse-multiple-streams", "dns-rebinding-protection"})
            QTest::newRow(scenario) << QString::fromLatin1(scenario);
    }
    void conformanceScenariosPass()
    {
        QFETCH(QString, scenario);
        QProcessEnvironment env = tokenEnvironment();
        env.insert(QStringLiteral("NODE_OPTIONS"),
                   QStringLiteral("--import ") + QDir(QStringLiteral(KEYWARD_E2E_DIR)).absoluteFilePath(QStringLiteral("conformance_auth.mjs")));
        const NodeRun run = runInE2eDir(QStringLiteral("npx"),
                                        {QStringLiteral("--no-install"), QStringLiteral("conformance"), QStringLiteral("server"),
                                         QStringLiteral("--url"), m_url, QStringLiteral("--scenario"), scenario},
                                        m_home, env);
        const QString output = run.out + run.err;
        QVERIFY2(run.finished, qPrintable(output));
        QVERIFY2(run.exitCode == 0, qPrintable(output));
        QVERIFY2(output.contains(QStringLiteral(" 0 failed")), qPrintable(output));
        QVERIFY2(!output.contains(QStringLiteral("FAILURE")), qPrintable(output));
    }

    void cleanupTestCase()
    {
        if (m_serve.state() == QProcess::NotRunning)
            return;
        m_serve.terminate();
        QVERIFY2(m_serve.waitForFinished(15000), "keyward serve did not stop on SIGTERM");
        m_serveOut += m_serve.readAllStandardOutput();
        // The owner prints exactly one line on stdout: the ready line.
        QCOMPARE(m_serveOut.count('\n'), 1);
        QVERIFY2(!m_serveOut.contains(m_token), "the token reached keyward serve's stdout");
    }
};

QTEST_GUILESS_MAIN(TestHttpMcp)
#include "tst_http_mcp.moc"
