// The kill switches of state.json: which switch stops a call, persistence with mode 0600 and the
// other sections of the file kept, unreadable files failing safe, and live following of a file
// another process writes.

#include "state/killstate.h"
#include "state/statefile.h"
#include "support/temphome.h"

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QtTest>

using namespace keyward;
using json = nlohmann::json;

namespace {

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString ruleOf(const KillState &state, const char *service, const char *agent)
{
    QString rule;
    return state.killed(QString::fromLatin1(service), QString::fromLatin1(agent), &rule) ? rule : QStringLiteral("-");
}

} // namespace

class TestKillState : public QObject {
    Q_OBJECT

    std::unique_ptr<test::TempHome> m_home;
    QString m_path;

private Q_SLOTS:
    void init()
    {
        m_home = std::make_unique<test::TempHome>();
        m_path = m_home->filePath(QStringLiteral("state.json"));
    }

    void theWidestSwitchIsNamed_data()
    {
        QTest::addColumn<QString>("document");
        QTest::addColumn<QString>("service");
        QTest::addColumn<QString>("agent");
        QTest::addColumn<QString>("rule");
        const QString both = QStringLiteral("{\"version\":1,\"kill\":{\"services\":[\"github\"],\"agents\":[\"cursor\"]}}");
        QTest::newRow("nothing killed") << "{\"version\":1}" << "github" << "cursor" << "-";
        QTest::newRow("global switch") << "{\"version\":1,\"kill\":{\"all\":true,\"services\":[\"github\"]}}" << "github" << "cursor" << "kill:all";
        QTest::newRow("service before agent") << both << "github" << "cursor" << "kill:service:github";
        QTest::newRow("agent on another service") << both << "stripe" << "cursor" << "kill:agent:cursor";
        QTest::newRow("other agent, other service") << both << "stripe" << "claude" << "-";
        QTest::newRow("explicit false") << "{\"version\":1,\"kill\":{\"all\":false,\"services\":[],\"agents\":[]}}" << "github" << "x" << "-";
    }
    void theWidestSwitchIsNamed()
    {
        QFETCH(QString, document);
        QFETCH(QString, service);
        QFETCH(QString, agent);
        QFETCH(QString, rule);
        QVERIFY(writeFile(m_path, document.toUtf8()));
        KillState state(m_path);
        QVERIFY(state.load().ok());
        QCOMPARE(ruleOf(state, service.toLatin1().constData(), agent.toLatin1().constData()), rule);
        if (rule != QLatin1String("-")) {
            const auto refusal = state.refusalFor(service, agent);
            QVERIFY(refusal.has_value());
            QVERIFY2(refusal->message.contains(QLatin1String("keyward resume")), qPrintable(refusal->message));
        }
    }

    void missingFileMeansNothingIsKilled()
    {
        KillState state(m_path);
        QVERIFY(state.load().ok());
        QVERIFY(state.hasState());
        QVERIFY(state.switches().isEmpty());
        QCOMPARE(ruleOf(state, "github", "cursor"), QStringLiteral("-"));
        QVERIFY(!QFileInfo::exists(m_path)); // loading writes nothing
    }

    void killsPersistWithMode0600()
    {
        {
            KillState state(m_path);
            QVERIFY(state.load().ok());
            QSignalSpy changed(&state, &KillState::changed);
            QVERIFY(state.kill(KillTarget::service(QStringLiteral("github"))).ok());
            QCOMPARE(changed.count(), 1); // at once, not after the watcher
            QVERIFY(state.kill(KillTarget::agent(QStringLiteral("cursor"))).ok());
            QVERIFY(state.kill(KillTarget::all()).ok());
            const auto again = state.kill(KillTarget::all());
            QVERIFY(again.ok() && !again->changed());
            QCOMPARE(changed.count(), 3);
        }
        const QFile::Permissions mode = QFileInfo(m_path).permissions();
        QCOMPARE(mode & (QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner), QFile::ReadOwner | QFile::WriteOwner);
        QCOMPARE(mode & (QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther |
                         QFile::ExeOther),
                 QFile::Permissions());
        const json document = json::parse(readFile(m_path).toStdString());
        QCOMPARE(document["version"], 1);
        QCOMPARE(document["kill"], json({{"all", true}, {"services", {"github"}}, {"agents", {"cursor"}}}));

        KillState reloaded(m_path);
        QVERIFY(reloaded.load().ok());
        QCOMPARE(reloaded.switches().describe(), QStringLiteral("every call; the service `github`; the agent `cursor`"));
    }

    void plainResumeClearsOnlyTheGlobalSwitch()
    {
        KillState state(m_path);
        QVERIFY(state.load().ok());
        QVERIFY(state.kill(KillTarget::all()).ok());
        QVERIFY(state.kill(KillTarget::service(QStringLiteral("github"))).ok());
        const auto resumed = state.resume(KillTarget::all());
        QVERIFY(resumed.ok() && resumed->changed());
        QCOMPARE(ruleOf(state, "github", "x"), QStringLiteral("kill:service:github"));
        QCOMPARE(ruleOf(state, "stripe", "x"), QStringLiteral("-"));
        QVERIFY(state.resumeEverything().ok());
        QVERIFY(state.switches().isEmpty());
        QCOMPARE(readFile(m_path).contains("github"), false);
    }

    void otherSectionsArePreservedOnWrite()
    {
        const json ui = {{"windows", {{"services", {{"x", 10}, {"y", 20}, {"open", true}}}}}, {"theme", "dark"}};
        QVERIFY(writeFile(m_path, QByteArray::fromStdString(json{{"version", 1}, {"ui", ui}, {"tray", {1, 2, 3}}}.dump())));
        KillState state(m_path);
        QVERIFY(state.load().ok());
        QVERIFY(state.kill(KillTarget::agent(QStringLiteral("cursor"))).ok());
        QVERIFY(state.resume(KillTarget::agent(QStringLiteral("cursor"))).ok());
        const json document = json::parse(readFile(m_path).toStdString());
        QCOMPARE(document["ui"], ui);
        QCOMPARE(document["tray"], json({1, 2, 3}));
        QCOMPARE(document["kill"]["agents"], json::array());
    }

    void unreadableFileIsRefusedWithItsPlace_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("syntax error") << QByteArray("{\"version\": 1,\n  \"kill\": {,}\n}\n") << "line 2";
        QTest::newRow("not an object") << QByteArray("[1, 2]") << "JSON object";
        QTest::newRow("no version") << QByteArray("{\"kill\": {}}") << "/version";
        QTest::newRow("newer version") << QByteArray("{\"version\": 2}") << "newer Keyward";
        QTest::newRow("kill not an object") << QByteArray("{\"version\": 1, \"kill\": true}") << "/kill";
        QTest::newRow("all not a boolean") << QByteArray("{\"version\": 1, \"kill\": {\"all\": \"yes\"}}") << "/kill/all";
        QTest::newRow("unknown key in kill") << QByteArray("{\"version\": 1, \"kill\": {\"everything\": true}}") << "/kill/everything";
        QTest::newRow("bad service name") << QByteArray("{\"version\": 1, \"kill\": {\"services\": [\"Git Hub\"]}}") << "/kill/services/0";
        QTest::newRow("agents not an array") << QByteArray("{\"version\": 1, \"kill\": {\"agents\": \"cursor\"}}") << "/kill/agents";
    }
    void unreadableFileIsRefusedWithItsPlace()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, mentions);
        QVERIFY(writeFile(m_path, text));
        KillState state(m_path);
        const auto loaded = state.load();
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, QString::fromLatin1(state_errors::kInvalid));
        QVERIFY2(loaded.error().message.contains(mentions), qPrintable(loaded.error().message));
        QVERIFY(loaded.error().message.contains(m_path));
        // No last good state: every call is refused, naming the file.
        QVERIFY(!state.hasState());
        const auto refusal = state.refusalFor(QStringLiteral("github"), QStringLiteral("cursor"));
        QVERIFY(refusal.has_value());
        QCOMPARE(refusal->rule, QString::fromLatin1(KillState::kUnreadableRule));
        QVERIFY(refusal->message.contains(m_path));
    }

    void unreadableFileKeepsTheLastGoodSwitches()
    {
        QVERIFY(writeFile(m_path, "{\"version\":1,\"kill\":{\"services\":[\"github\"]}}"));
        KillState state(m_path);
        QVERIFY(state.load().ok());
        QSignalSpy invalid(&state, &KillState::invalid);
        QSignalSpy changed(&state, &KillState::changed);
        QVERIFY(writeFile(m_path, "{\"version\":1,\"kill\":"));
        QVERIFY(invalid.wait(5000));
        QCOMPARE(ruleOf(state, "github", "x"), QStringLiteral("kill:service:github"));
        QCOMPARE(ruleOf(state, "stripe", "x"), QStringLiteral("-"));
        QVERIFY(state.lastError().has_value());
        QCOMPARE(changed.count(), 0);
        // A resume cannot know what is killed: refused. A global kill still works.
        QVERIFY(!state.resumeEverything().ok());
        const auto killed = state.kill(KillTarget::all());
        QVERIFY2(killed.ok(), killed.ok() ? "" : qPrintable(killed.error().message));
        QCOMPARE(killed->setAside, m_path + QStringLiteral(".corrupt"));
        QCOMPARE(readFile(m_path + QStringLiteral(".corrupt")), QByteArray("{\"version\":1,\"kill\":"));
        QCOMPARE(ruleOf(state, "stripe", "x"), QStringLiteral("kill:all"));
        QCOMPARE(json::parse(readFile(m_path).toStdString())["kill"]["all"], true);
    }

    void unreadableAtStartRecoversWhenTheFileIsFixed()
    {
        QVERIFY(writeFile(m_path, "not json"));
        KillState state(m_path);
        QVERIFY(!state.load().ok());
        QCOMPARE(ruleOf(state, "github", "x"), QString::fromLatin1(KillState::kUnreadableRule));
        QSignalSpy changed(&state, &KillState::changed);
        QVERIFY(writeFile(m_path, "{\"version\":1}"));
        QVERIFY(changed.wait(5000));
        QVERIFY(state.hasState());
        QCOMPARE(ruleOf(state, "github", "x"), QStringLiteral("-"));
    }

    void anotherWritersKillIsSeenWithin100ms()
    {
        KillState state(m_path);
        QVERIFY(state.load().ok());
        QSignalSpy changed(&state, &KillState::changed);
        for (int round = 0; round < 3; ++round) {
            QElapsedTimer timer;
            timer.start();
            // As `keyward kill --service github` in another process does.
            QVERIFY(changeKillSwitches(m_path, KillAction::Kill, KillTarget::service(QStringLiteral("github"))).ok());
            QTRY_VERIFY_WITH_TIMEOUT(state.killed(QStringLiteral("github"), QStringLiteral("x")), 100);
            qInfo("kill seen after %lld ms", timer.elapsed());
            timer.restart();
            QVERIFY(changeKillSwitches(m_path, KillAction::ResumeEverything).ok());
            QTRY_VERIFY_WITH_TIMEOUT(!state.killed(QStringLiteral("github"), QStringLiteral("x")), 100);
            qInfo("resume seen after %lld ms", timer.elapsed());
        }
        QCOMPARE(changed.count(), 6);
    }

    void removedFileMeansNothingIsKilled()
    {
        KillState state(m_path);
        QVERIFY(state.load().ok());
        QVERIFY(state.kill(KillTarget::all()).ok());
        QSignalSpy changed(&state, &KillState::changed);
        QVERIFY(QFile::remove(m_path));
        QVERIFY(changed.wait(5000));
        QVERIFY(state.switches().isEmpty());
    }

    void ownWriteIsNotReportedTwice()
    {
        KillState state(m_path);
        QVERIFY(state.load().ok());
        QSignalSpy changed(&state, &KillState::changed);
        QVERIFY(state.kill(KillTarget::agent(QStringLiteral("cursor"))).ok());
        QCOMPARE(changed.count(), 1);
        QTest::qWait(200); // the watcher sees the write; the switches are already in force
        QCOMPARE(changed.count(), 1);
        state.reload();
        QCOMPARE(changed.count(), 1);
    }
};

QTEST_GUILESS_MAIN(TestKillState)
#include "tst_killstate.moc"
