// End to end: `keyward kill` and `keyward resume` on a home with a service added through the CLI
// (secret in the real gnome-keyring): state.json written with mode 0600 and its other sections
// kept, usage and lookup errors, an unreadable state.json, a `change` row per command, and a
// `keyward mcp` session that stays open while `keyward kill` runs in another process: its next
// calls are refused as killed, and a call in flight to the upstream's /slow route ends as killed.

#include "audit/auditlog.h"
#include "support/e2eprocess.h"
#include "support/httpsupstream.h"

#include <nlohmann/json.hpp>

#include <QFileInfo>
#include <QProcess>
#include <QtTest>

#include <map>

using json = nlohmann::json;
using keyward::test::CliRun;
using keyward::test::HttpsUpstream;
using keyward::test::TempHome;
using keyward::test::runKeyward;

namespace {

// A `keyward mcp` process driven line by line over stdio.
class StdioSession {
public:
    bool start(const TempHome &home, const QStringList &args)
    {
        m_process.setProcessEnvironment(keyward::test::environmentFor(home));
        m_process.setStandardErrorFile(home.filePath(QStringLiteral("mcp-stderr.txt")));
        m_process.start(QStringLiteral(KEYWARD_BINARY), QStringList{QStringLiteral("mcp")} + args);
        if (!m_process.waitForStarted(10000))
            return false;
        send({{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"},
              {"params", {{"protocolVersion", "2025-06-18"}, {"capabilities", json::object()},
                          {"clientInfo", {{"name", "kill-test"}, {"version", "1"}}}}}});
        if (!waitFor(0, 30000))
            return false;
        send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
        return true;
    }

    ~StdioSession()
    {
        m_process.closeWriteChannel();
        if (!m_process.waitForFinished(10000))
            m_process.kill();
        m_process.waitForFinished(5000);
    }

    // Sends a tools/call; returns its id.
    int callTool(const char *name, const json &arguments)
    {
        const int id = m_nextId++;
        send({{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", {{"name", name}, {"arguments", arguments}}}});
        return id;
    }

    // The CallToolResult of `id`, once it arrived within `timeoutMs`.
    std::optional<json> waitFor(int id, int timeoutMs)
    {
        (void)QTest::qWaitFor(
            [&] {
                readAvailable();
                return m_responses.count(id) > 0 || m_process.state() == QProcess::NotRunning;
            },
            timeoutMs);
        readAvailable();
        const auto found = m_responses.find(id);
        if (found == m_responses.end())
            return std::nullopt;
        return found->second.value("result", found->second);
    }

    bool isRunning() const { return m_process.state() == QProcess::Running; }

private:
    void send(const json &message)
    {
        m_process.write(QByteArray::fromStdString(message.dump()) + '\n');
        m_process.waitForBytesWritten(5000);
    }

    void readAvailable()
    {
        m_buffer += m_process.readAllStandardOutput();
        qsizetype end;
        while ((end = m_buffer.indexOf('\n')) >= 0) {
            const QByteArray line = m_buffer.left(end);
            m_buffer.remove(0, end + 1);
            const json message = json::parse(line.toStdString(), nullptr, false);
            if (message.is_object() && message.contains("id") && message["id"].is_number_integer())
                m_responses[message["id"].get<int>()] = message;
        }
    }

    QProcess m_process;
    QByteArray m_buffer;
    std::map<int, json> m_responses;
    int m_nextId = 1;
};

json denialOf(const json &result)
{
    if (!result.value("isError", false))
        return json{{"error", "ok"}};
    return json::parse(result["content"][0]["text"].get<std::string>());
}

QString errorOf(const json &result) { return QString::fromStdString(denialOf(result)["error"].get<std::string>()); }

json executeArguments(const char *path, json query = json())
{
    json arguments{{"service", "api"}, {"method", "GET"}, {"path", path}};
    if (!query.is_null())
        arguments["query"] = query;
    return arguments;
}

} // namespace

class TestKillCli : public QObject {
    Q_OBJECT

    TempHome m_home;
    HttpsUpstream m_upstream;

    QString statePath() const { return m_home.filePath(QStringLiteral("state.json")); }

    CliRun keyward(const QStringList &args) { return runKeyward(m_home, args); }

    json stateKill() const
    {
        QFile file(statePath());
        if (!file.open(QIODevice::ReadOnly))
            return json();
        return json::parse(file.readAll().toStdString(), nullptr, false).value("kill", json());
    }

    static json killJson(bool all, QStringList services, QStringList agents)
    {
        json out{{"all", all}, {"services", json::array()}, {"agents", json::array()}};
        for (const QString &service : services)
            out["services"].push_back(service.toStdString());
        for (const QString &agent : agents)
            out["agents"].push_back(agent.toStdString());
        return out;
    }

    QList<keyward::AuditRow> rows(const QString &decision)
    {
        keyward::AuditLog audit(m_home.filePath(QStringLiteral("audit.db")));
        if (!audit.open().ok())
            return {};
        keyward::AuditFilter filter;
        filter.decision = decision;
        const auto found = audit.query(filter);
        return found ? found.value() : QList<keyward::AuditRow>{};
    }

    void resumeEverything()
    {
        const CliRun run = keyward({QStringLiteral("resume"), QStringLiteral("--all")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
    }

    bool upstreamSaw(const QString &path) const
    {
        for (const json &request : m_upstream.received()) {
            if (QString::fromStdString(request.value("path", "")) == path)
                return true;
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
                 "this test needs the real keychain: run it through installers/test.sh");
        QVERIFY2(m_upstream.start(), qPrintable(m_upstream.errorString()));
        const CliRun added = runKeyward(m_home,
                                        {QStringLiteral("service"), QStringLiteral("add"), QStringLiteral("api"),
                                         QStringLiteral("--base-url"), m_upstream.baseUrl(), QStringLiteral("--auth"),
                                         QStringLiteral("bearer"), QStringLiteral("--ca-file"), m_upstream.caFile()},
                                        keyward::test::randomCanary() + "\n");
        QVERIFY2(added.exitCode == 0, added.err.constData());
    }

    void cleanup() { resumeEverything(); }

    void killAndResumeWriteStateJson()
    {
        CliRun run = keyward({QStringLiteral("kill")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.out.trimmed(), QByteArray("Killed now: every call"));
        QCOMPARE(stateKill(), killJson(true, {}, {}));
        const QFile::Permissions mode = QFileInfo(statePath()).permissions();
        QCOMPARE(mode & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther), QFile::Permissions());

        run = keyward({QStringLiteral("kill"), QStringLiteral("--service"), QStringLiteral("api"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        json out = json::parse(run.out.toStdString());
        QCOMPARE(out["action"], "kill");
        QCOMPARE(out["target"], "service:api");
        QCOMPARE(out["changed"], true);
        QCOMPARE(out["kill"], killJson(true, {QStringLiteral("api")}, {}));

        run = keyward({QStringLiteral("kill"), QStringLiteral("--agent"), QStringLiteral("ghost")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.contains("No agent named 'ghost' is registered"), run.err.constData());
        QCOMPARE(stateKill(), killJson(true, {QStringLiteral("api")}, {QStringLiteral("ghost")}));

        // A plain resume lifts only the global switch.
        run = keyward({QStringLiteral("resume"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(json::parse(run.out.toStdString())["kill"], killJson(false, {QStringLiteral("api")}, {QStringLiteral("ghost")}));
        run = keyward({QStringLiteral("resume"), QStringLiteral("--agent"), QStringLiteral("ghost")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("Killed now: the service 'api'"));
        run = keyward({QStringLiteral("resume"), QStringLiteral("--all"), QStringLiteral("--json")});
        out = json::parse(run.out.toStdString());
        QCOMPARE(out["target"], "everything");
        QCOMPARE(out["kill"], killJson(false, {}, {}));
        run = keyward({QStringLiteral("resume")});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out.trimmed(), QByteArray("Nothing is killed."));
        QVERIFY(run.err.contains("was not set"));
    }

    void otherSectionsOfStateJsonSurvive()
    {
        QFile file(statePath());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("{\"version\": 1, \"ui\": {\"audit\": {\"columns\": [\"time\", \"agent\"]}}}");
        file.close();
        QCOMPARE(keyward({QStringLiteral("kill"), QStringLiteral("--service"), QStringLiteral("api")}).exitCode, 0);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const json document = json::parse(file.readAll().toStdString());
        QCOMPARE(document["ui"], json({{"audit", {{"columns", {"time", "agent"}}}}}));
        QCOMPARE(document["kill"]["services"], json({"api"}));
    }

    void badRequestsAreRefused_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("unknown service") << QStringList{"kill", "--service", "nope"} << 1 << "not_found" << "keyward service list";
        QTest::newRow("service and agent") << QStringList{"kill", "--service", "api", "--agent", "a"} << 2 << "usage" << "exclude";
        QTest::newRow("all and agent") << QStringList{"resume", "--all", "--agent", "a"} << 2 << "usage" << "exclude";
        QTest::newRow("invalid name") << QStringList{"kill", "--agent", "Not Valid"} << 2 << "usage" << "[a-z0-9]";
        QTest::newRow("positional argument") << QStringList{"kill", "api"} << 2 << "usage" << "--service S";
        QTest::newRow("--all on kill") << QStringList{"kill", "--all"} << 2 << "usage" << "all";
        QTest::newRow("service given twice") << QStringList{"kill", "--service", "api", "--service", "api"} << 2 << "usage" << "more than once";
        QTest::newRow("resume of an unknown service") << QStringList{"resume", "--service", "ghost"} << 1 << "not_found" << "ghost";
    }
    void badRequestsAreRefused()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, code);
        QFETCH(QString, mentions);
        const QByteArray before = QFile::exists(statePath()) ? [this] {
            QFile file(statePath());
            return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
        }() : QByteArray();
        const CliRun run = keyward(args + QStringList{QStringLiteral("--json")});
        QCOMPARE(run.exitCode, exitCode);
        const json error = json::parse(run.out.toStdString(), nullptr, false);
        QVERIFY2(error.is_object() && error.contains("error"), run.out.constData());
        QCOMPARE(QString::fromStdString(error["error"]["code"].get<std::string>()), code);
        QVERIFY2(QString::fromStdString(error["error"]["message"].get<std::string>()).contains(mentions), run.out.constData());
        const CliRun human = keyward(args);
        QCOMPARE(human.exitCode, exitCode);
        QVERIFY(human.out.isEmpty());
        QVERIFY(human.err.startsWith("keyward: "));
        QFile file(statePath());
        QCOMPARE(file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray(), before);
    }

    void unreadableStateJsonStillTakesAGlobalKill()
    {
        QFile file(statePath());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("{\"version\": 1, \"kill\": {\"all\": tru");
        file.close();
        CliRun run = keyward({QStringLiteral("resume"), QStringLiteral("--all")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("state.json") && run.err.contains("line 1"), run.err.constData());
        run = keyward({QStringLiteral("kill"), QStringLiteral("--service"), QStringLiteral("api")});
        QCOMPARE(run.exitCode, 1);
        run = keyward({QStringLiteral("kill")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(run.err.contains("state.json.corrupt"));
        QCOMPARE(stateKill(), killJson(true, {}, {}));
        QVERIFY(QFile::exists(statePath() + QStringLiteral(".corrupt")));
    }

    void everyKillAndResumeIsAudited()
    {
        const int before = rows(QStringLiteral("change")).size();
        QCOMPARE(keyward({QStringLiteral("kill"), QStringLiteral("--service"), QStringLiteral("api")}).exitCode, 0);
        QCOMPARE(keyward({QStringLiteral("kill"), QStringLiteral("--service"), QStringLiteral("api")}).exitCode, 0);
        QCOMPARE(keyward({QStringLiteral("kill"), QStringLiteral("--agent"), QStringLiteral("bot")}).exitCode, 0);
        QCOMPARE(keyward({QStringLiteral("resume"), QStringLiteral("--service"), QStringLiteral("api")}).exitCode, 0);
        QCOMPARE(keyward({QStringLiteral("resume"), QStringLiteral("--all")}).exitCode, 0);
        QCOMPARE(keyward({QStringLiteral("kill"), QStringLiteral("--service"), QStringLiteral("nope")}).exitCode, 1);
        const QList<keyward::AuditRow> changes = rows(QStringLiteral("change")).mid(before);
        QStringList seen;
        for (const keyward::AuditRow &row : changes)
            seen << row.method + u' ' + row.path + u' ' + row.service;
        QCOMPARE(seen, (QStringList{QStringLiteral("kill service:api api"), QStringLiteral("kill service:api api"),
                                    QStringLiteral("kill agent:bot "), QStringLiteral("resume service:api api"),
                                    QStringLiteral("resume everything ")}));
        QVERIFY(changes[1].reason.value_or(QString()).contains(QLatin1String("already killed")));
        QVERIFY(changes[4].reason.value_or(QString()).contains(QLatin1String("now killed: nothing")));
        QCOMPARE(changes[0].agent, QStringLiteral("cli"));
        QCOMPARE(keyward({QStringLiteral("log"), QStringLiteral("verify")}).exitCode, 0);
    }

    void openSessionIsRefusedAfterAKillFromAnotherProcess()
    {
        StdioSession session;
        QVERIFY(session.start(m_home, {QStringLiteral("--agent"), QStringLiteral("bot")}));
        auto first = session.waitFor(session.callTool("execute", executeArguments("/echo")), 30000);
        QVERIFY(first.has_value());
        QCOMPARE(errorOf(*first), QStringLiteral("ok"));

        // Polls with calls until one is refused as killed (or `seconds` pass); returns the last result.
        auto pollUntil = [&session](const QString &expected, int seconds) {
            QElapsedTimer timer;
            timer.start();
            json last;
            while (timer.elapsed() < seconds * 1000) {
                const auto result = session.waitFor(session.callTool("execute", executeArguments("/echo")), 10000);
                if (!result)
                    return json{{"timeout", true}};
                last = *result;
                if (errorOf(last) == expected)
                    break;
                QTest::qWait(20);
            }
            return last;
        };

        QCOMPARE(keyward({QStringLiteral("kill")}).exitCode, 0);
        json refused = pollUntil(QStringLiteral("killed"), 5);
        QCOMPARE(errorOf(refused), QStringLiteral("killed"));
        QCOMPARE(denialOf(refused)["rule"], "kill:all");
        QVERIFY(denialOf(refused)["message"].get<std::string>().find("keyward resume") != std::string::npos);
        const auto listed = session.waitFor(session.callTool("list_services", json::object()), 10000);
        QVERIFY(listed.has_value());
        QCOMPARE((*listed)["structuredContent"]["services"][0]["state"], "killed");

        QCOMPARE(keyward({QStringLiteral("resume")}).exitCode, 0);
        QCOMPARE(errorOf(pollUntil(QStringLiteral("ok"), 5)), QStringLiteral("ok"));

        QCOMPARE(keyward({QStringLiteral("kill"), QStringLiteral("--agent"), QStringLiteral("bot")}).exitCode, 0);
        refused = pollUntil(QStringLiteral("killed"), 5);
        QCOMPARE(denialOf(refused)["rule"], "kill:agent:bot");
        QVERIFY(session.isRunning()); // the session stayed open throughout
        QVERIFY(!rows(QStringLiteral("killed")).isEmpty());
    }

    void inFlightCallEndsAsKilled()
    {
        StdioSession session;
        QVERIFY(session.start(m_home, {QStringLiteral("--agent"), QStringLiteral("bot")}));
        m_upstream.clearReceived();
        const int id = session.callTool("execute", executeArguments("/slow", {{"ms", "30000"}}));
        QTRY_VERIFY_WITH_TIMEOUT(upstreamSaw(QStringLiteral("/slow")), 15000);
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(keyward({QStringLiteral("kill"), QStringLiteral("--service"), QStringLiteral("api")}).exitCode, 0);
        const auto result = session.waitFor(id, 10000);
        QVERIFY2(result.has_value(), "the call in flight did not end after the kill");
        QVERIFY(timer.elapsed() < 20000); // long before the upstream's 30 s answer
        QCOMPARE(errorOf(*result), QStringLiteral("killed"));
        QCOMPARE(denialOf(*result)["rule"], "kill:service:api");
        bool audited = false;
        for (const keyward::AuditRow &row : rows(QStringLiteral("killed")))
            audited |= row.path == QLatin1String("/slow") && row.rule == QStringLiteral("kill:service:api");
        QVERIFY(audited);
    }
};

QTEST_GUILESS_MAIN(TestKillCli)
#include "tst_kill_cli.moc"
