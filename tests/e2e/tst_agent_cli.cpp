// End to end: the built `keyward agent add|list|remove` against a throwaway KEYWARD_HOME. The
// token is printed once on stdout and nowhere else: config.json holds only its SHA-256, and
// neither stderr, `agent list`, config.json(.bak) nor audit.db ever contain the token (or, outside
// config.json, its hash). Every change is a `change` row in the audit log.

#include "agents/agenttokens.h"
#include "config/configjson.h"
#include "support/e2eprocess.h"
#include "support/temphome.h"

#include <nlohmann/json.hpp>

#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QtTest>

using json = nlohmann::json;
using keyward::test::CliRun;
using keyward::test::TempHome;

namespace {

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Every file under the home, concatenated (config, backup, audit.db and its WAL, logs).
QByteArray everyFile(const TempHome &home, const QStringList &except = {})
{
    QByteArray all;
    QDirIterator it(home.path(), QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (!except.contains(QFileInfo(path).fileName()))
            all += readFile(path);
    }
    return all;
}

keyward::Config loadConfig(const TempHome &home)
{
    const auto config = keyward::loadConfigFile(home.filePath(QStringLiteral("config.json")));
    return config ? config.value() : keyward::Config{};
}

CliRun agent(const TempHome &home, const QStringList &args) { return keyward::test::runKeyward(home, QStringList{QStringLiteral("agent")} + args); }

QList<json> jsonLines(const QByteArray &out)
{
    QList<json> lines;
    for (const QByteArray &line : out.trimmed().split('\n')) {
        if (!line.isEmpty())
            lines.append(json::parse(line.toStdString(), nullptr, false));
    }
    return lines;
}

} // namespace

class TestAgentCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void addPrintsTheTokenOnceAndStoresOnlyItsHash();
    void addWithJsonPrintsAgentTokenAndExpiry();
    void listShowsNamesTimesAndExpiryNeverAToken();
    void expiredAgentIsListedAsExpired();
    void removeRevokesTheToken();
    void duplicateNameIsRefusedWithHowToReplace();
    void badNamesAreUsageErrors_data();
    void badNamesAreUsageErrors();
    void badExpiryIsAUsageError_data();
    void badExpiryIsAUsageError();
    void changesAreAuditedWithoutTheTokenOrItsHash();
    void missingActionIsAUsageError();
};

void TestAgentCli::addPrintsTheTokenOnceAndStoresOnlyItsHash()
{
    TempHome home;
    const CliRun add = agent(home, {QStringLiteral("add"), QStringLiteral("ci-bot")});
    QVERIFY2(add.exitCode == 0, add.err.constData());
    const QByteArray token = add.out.trimmed();
    QCOMPARE(add.out, token + '\n'); // exactly one line: the token
    QVERIFY2(QRegularExpression(QStringLiteral("^kwa_[A-Za-z0-9_-]{43}$")).match(QString::fromLatin1(token)).hasMatch(),
             token.constData());
    QVERIFY(!add.err.contains(token));
    QVERIFY2(add.err.contains("Authorization: Bearer"), add.err.constData());
    QVERIFY(add.err.contains("keyward agent remove ci-bot"));

    const keyward::Config config = loadConfig(home);
    QCOMPARE(config.agents.size(), std::size_t(1));
    const keyward::AgentConfig &stored = config.agents.at(QStringLiteral("ci-bot"));
    QCOMPARE(stored.tokenHash, keyward::agentTokenHash(token));
    QVERIFY(stored.expires.isEmpty());
    const QDateTime created = QDateTime::fromString(stored.created, Qt::ISODate);
    QVERIFY(created.isValid());
    QVERIFY(qAbs(created.secsTo(QDateTime::currentDateTimeUtc())) < 120);

    // The printed token is the one the config recognizes.
    const auto who = keyward::authenticateAgent(config, token, QDateTime::currentDateTimeUtc());
    QVERIFY(who);
    QCOMPARE(who.value(), QStringLiteral("ci-bot"));

    QVERIFY2(!everyFile(home).contains(token), "the token is in a file of the home");
    QVERIFY(readFile(home.filePath(QStringLiteral("config.json"))).contains("\"tokenHash\": \"sha256:"));
}

void TestAgentCli::addWithJsonPrintsAgentTokenAndExpiry()
{
    TempHome home;
    const CliRun add = agent(home, {QStringLiteral("add"), QStringLiteral("cursor"), QStringLiteral("--expires"),
                                    QStringLiteral("90d"), QStringLiteral("--json")});
    QVERIFY2(add.exitCode == 0, add.err.constData());
    const QList<json> lines = jsonLines(add.out);
    QCOMPARE(lines.size(), 1);
    const json &object = lines.first();
    QCOMPARE(object.size(), std::size_t(3));
    QCOMPARE(object.at("agent"), json("cursor"));
    const QByteArray token = QByteArray::fromStdString(object.at("token").get<std::string>());
    QVERIFY(keyward::isWellFormedAgentToken(token));
    QVERIFY(!add.err.contains(token));

    const QDateTime expires = QDateTime::fromString(QString::fromStdString(object.at("expires").get<std::string>()), Qt::ISODate);
    QVERIFY(expires.isValid());
    const qint64 days = QDateTime::currentDateTimeUtc().secsTo(expires) / 86400;
    QVERIFY2(days >= 89 && days <= 90, qPrintable(expires.toString(Qt::ISODate)));
    QCOMPARE(loadConfig(home).agents.at(QStringLiteral("cursor")).expires, QString::fromStdString(object.at("expires").get<std::string>()));

    // An RFC 3339 time in the future is taken as given.
    const CliRun fixed = agent(home, {QStringLiteral("add"), QStringLiteral("fixed"), QStringLiteral("--expires"),
                                      QStringLiteral("2099-01-31T12:00:00Z"), QStringLiteral("--json")});
    QVERIFY2(fixed.exitCode == 0, fixed.err.constData());
    QCOMPARE(jsonLines(fixed.out).first().at("expires"), json("2099-01-31T12:00:00Z"));
    const CliRun never = agent(home, {QStringLiteral("add"), QStringLiteral("never"), QStringLiteral("--json")});
    QCOMPARE(jsonLines(never.out).first().at("expires"), json(nullptr));
}

void TestAgentCli::listShowsNamesTimesAndExpiryNeverAToken()
{
    TempHome home;
    const CliRun empty = agent(home, {QStringLiteral("list")});
    QCOMPARE(empty.exitCode, 0);
    QVERIFY(empty.out.isEmpty());
    QVERIFY(empty.err.contains("No agents yet"));

    const CliRun a = agent(home, {QStringLiteral("add"), QStringLiteral("alpha"), QStringLiteral("--expires"), QStringLiteral("7d")});
    const CliRun b = agent(home, {QStringLiteral("add"), QStringLiteral("beta")});
    QVERIFY(a.exitCode == 0 && b.exitCode == 0);
    const QByteArray tokens[] = {a.out.trimmed(), b.out.trimmed()};
    const keyward::Config config = loadConfig(home);

    const CliRun list = agent(home, {QStringLiteral("list"), QStringLiteral("--json")});
    QCOMPARE(list.exitCode, 0);
    const QList<json> lines = jsonLines(list.out);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines.at(0).at("name"), json("alpha"));
    QCOMPARE(lines.at(0).at("expired"), json(false));
    QCOMPARE(QString::fromStdString(lines.at(0).at("expires").get<std::string>()), config.agents.at(QStringLiteral("alpha")).expires);
    QCOMPARE(QString::fromStdString(lines.at(0).at("created").get<std::string>()), config.agents.at(QStringLiteral("alpha")).created);
    QCOMPARE(lines.at(1).at("name"), json("beta"));
    QCOMPARE(lines.at(1).at("expires"), json(nullptr));
    for (const json &line : lines) {
        QCOMPARE(line.size(), std::size_t(4));
        QVERIFY(!line.contains("tokenHash"));
    }

    const CliRun text = agent(home, {QStringLiteral("list")});
    QCOMPARE(text.exitCode, 0);
    QVERIFY(text.out.startsWith("NAME"));
    QVERIFY(text.out.contains("alpha") && text.out.contains("beta") && text.out.contains("never") && text.out.contains("active"));
    for (const CliRun &run : {list, text}) {
        for (const QByteArray &token : tokens)
            QVERIFY(!run.out.contains(token) && !run.err.contains(token));
        QVERIFY(!run.out.contains("sha256:"));
        for (const auto &[name, stored] : config.agents)
            QVERIFY(!run.out.contains(stored.tokenHash.mid(7).toLatin1()));
    }
}

void TestAgentCli::expiredAgentIsListedAsExpired()
{
    TempHome home;
    keyward::Config config;
    auto issued = keyward::issueAgentToken(QDateTime::currentDateTimeUtc().addDays(-10),
                                           QDateTime::currentDateTimeUtc().addDays(-1));
    config.agents[QStringLiteral("old")] = issued.config;
    QVERIFY(keyward::saveConfigFile(home.filePath(QStringLiteral("config.json")), config));

    const CliRun list = agent(home, {QStringLiteral("list"), QStringLiteral("--json")});
    QCOMPARE(list.exitCode, 0);
    const QList<json> lines = jsonLines(list.out);
    QCOMPARE(lines.size(), 1);
    QCOMPARE(lines.first().at("expired"), json(true));
    QVERIFY(agent(home, {QStringLiteral("list")}).out.contains("expired"));
    QVERIFY(!keyward::authenticateAgent(loadConfig(home), issued.token, QDateTime::currentDateTimeUtc()));
}

void TestAgentCli::removeRevokesTheToken()
{
    TempHome home;
    const CliRun add = agent(home, {QStringLiteral("add"), QStringLiteral("bot")});
    QCOMPARE(add.exitCode, 0);
    const QByteArray token = add.out.trimmed();
    QVERIFY(keyward::authenticateAgent(loadConfig(home), token, QDateTime::currentDateTimeUtc()));

    const CliRun remove = agent(home, {QStringLiteral("remove"), QStringLiteral("bot")});
    QVERIFY2(remove.exitCode == 0, remove.err.constData());
    QVERIFY(remove.err.contains("Removed agent 'bot'"));
    QVERIFY(loadConfig(home).agents.empty());
    const auto after = keyward::authenticateAgent(loadConfig(home), token, QDateTime::currentDateTimeUtc());
    QVERIFY(!after);
    QCOMPARE(after.error().code, QStringLiteral("unauthorized"));

    const CliRun again = agent(home, {QStringLiteral("remove"), QStringLiteral("bot"), QStringLiteral("--json")});
    QCOMPARE(again.exitCode, 1);
    const QList<json> lines = jsonLines(again.out);
    QCOMPARE(lines.size(), 1);
    QCOMPARE(lines.first()["error"]["code"], json("not_found"));
}

void TestAgentCli::duplicateNameIsRefusedWithHowToReplace()
{
    TempHome home;
    const CliRun first = agent(home, {QStringLiteral("add"), QStringLiteral("bot")});
    QCOMPARE(first.exitCode, 0);
    const QByteArray configBefore = readFile(home.filePath(QStringLiteral("config.json")));

    const CliRun second = agent(home, {QStringLiteral("add"), QStringLiteral("bot")});
    QCOMPARE(second.exitCode, 1);
    QVERIFY(second.out.isEmpty());
    QVERIFY2(second.err.contains("already exists"), second.err.constData());
    QVERIFY2(second.err.contains("keyward agent remove bot") && second.err.contains("keyward agent add bot"), second.err.constData());
    QCOMPARE(readFile(home.filePath(QStringLiteral("config.json"))), configBefore);
    QVERIFY(keyward::authenticateAgent(loadConfig(home), first.out.trimmed(), QDateTime::currentDateTimeUtc()));

    const CliRun asJson = agent(home, {QStringLiteral("add"), QStringLiteral("bot"), QStringLiteral("--json")});
    QCOMPARE(asJson.exitCode, 1);
    QCOMPARE(jsonLines(asJson.out).first()["error"]["code"], json("exists"));
}

void TestAgentCli::badNamesAreUsageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("uppercase") << QStringList{QStringLiteral("add"), QStringLiteral("Bot")};
    QTest::newRow("space") << QStringList{QStringLiteral("add"), QStringLiteral("my bot")};
    QTest::newRow("leading dash-like underscore") << QStringList{QStringLiteral("add"), QStringLiteral("_bot")};
    QTest::newRow("65 characters") << QStringList{QStringLiteral("add"), QString(65, u'a')};
    QTest::newRow("slash") << QStringList{QStringLiteral("add"), QStringLiteral("a/b")};
    QTest::newRow("missing") << QStringList{QStringLiteral("add")};
    QTest::newRow("two names") << QStringList{QStringLiteral("add"), QStringLiteral("a"), QStringLiteral("b")};
    QTest::newRow("remove uppercase") << QStringList{QStringLiteral("remove"), QStringLiteral("Bot")};
    QTest::newRow("a token pasted as the name") << QStringList{QStringLiteral("add"), QStringLiteral("kwa_") + QString(43, u'Q')};
}

void TestAgentCli::badNamesAreUsageErrors()
{
    QFETCH(QStringList, args);
    TempHome home;
    const CliRun run = agent(home, args);
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.out.isEmpty());
    QVERIFY2(run.err.startsWith("keyward: "), run.err.constData());
    QVERIFY2(!run.err.contains("kwa_QQQQ"), "the word given as a name is not echoed");
    QVERIFY(!QFileInfo::exists(home.filePath(QStringLiteral("config.json"))));
}

void TestAgentCli::badExpiryIsAUsageError_data()
{
    QTest::addColumn<QString>("expires");
    QTest::addColumn<QString>("expected");
    QTest::newRow("word") << QStringLiteral("yesterday") << QStringLiteral("is not a time");
    QTest::newRow("unknown unit") << QStringLiteral("90x") << QStringLiteral("is not a time");
    QTest::newRow("empty") << QString() << QStringLiteral("is not a time");
    QTest::newRow("zero") << QStringLiteral("0d") << QStringLiteral("positive duration");
    QTest::newRow("past date") << QStringLiteral("2020-01-01") << QStringLiteral("in the past");
    QTest::newRow("past time") << QStringLiteral("2020-01-01T00:00:00Z") << QStringLiteral("in the past");
    QTest::newRow("beyond year 9999") << QStringLiteral("999999999w") << QStringLiteral("too far in the future");
    QTest::newRow("no offset") << QStringLiteral("2099-01-01T00:00:00") << QStringLiteral("is not a time");
}

void TestAgentCli::badExpiryIsAUsageError()
{
    QFETCH(QString, expires);
    QFETCH(QString, expected);
    TempHome home;
    const CliRun run = agent(home, {QStringLiteral("add"), QStringLiteral("bot"), QStringLiteral("--expires"), expires});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.out.isEmpty());
    QVERIFY2(run.err.contains(expected.toUtf8()), run.err.constData());
    QVERIFY(loadConfig(home).agents.empty());
}

void TestAgentCli::changesAreAuditedWithoutTheTokenOrItsHash()
{
    TempHome home;
    const CliRun add = agent(home, {QStringLiteral("add"), QStringLiteral("bot"), QStringLiteral("--expires"), QStringLiteral("2h")});
    QCOMPARE(add.exitCode, 0);
    const QByteArray token = add.out.trimmed();
    const QByteArray hashHex = keyward::agentTokenHash(token).mid(7).toLatin1();
    QCOMPARE(agent(home, {QStringLiteral("remove"), QStringLiteral("bot")}).exitCode, 0);

    const CliRun log = keyward::test::runKeyward(home, {QStringLiteral("log"), QStringLiteral("--json")});
    QVERIFY2(log.exitCode == 0, log.err.constData());
    const QList<json> rows = jsonLines(log.out);
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows.at(0).at("decision"), json("change"));
    QCOMPARE(rows.at(0).at("method"), json("agent add"));
    QCOMPARE(rows.at(0).at("path"), json("bot"));
    QCOMPARE(rows.at(0).at("agent"), json("cli"));
    QVERIFY(rows.at(0).at("reason").get<std::string>().find("token issued, expires 20") == 0);
    QCOMPARE(rows.at(1).at("method"), json("agent remove"));
    QCOMPARE(rows.at(1).at("path"), json("bot"));
    QVERIFY(!log.out.contains(token) && !log.out.contains(hashHex));

    // Nothing on disk holds the token; only config.json(.bak) held the hash, and after the
    // removal only the backup does.
    QVERIFY(!everyFile(home).contains(token));
    QVERIFY(!everyFile(home, {QStringLiteral("config.json.bak")}).contains(hashHex));
    QVERIFY(!readFile(home.filePath(QStringLiteral("audit.db"))).contains(hashHex));
    QCOMPARE(keyward::test::runKeyward(home, {QStringLiteral("log"), QStringLiteral("verify")}).exitCode, 0);
}

void TestAgentCli::missingActionIsAUsageError()
{
    TempHome home;
    const CliRun none = agent(home, {});
    QCOMPARE(none.exitCode, 2);
    QVERIFY2(none.err.contains("add, list or remove"), none.err.constData());
    const CliRun unknown = agent(home, {QStringLiteral("rename")});
    QCOMPARE(unknown.exitCode, 2);
    const CliRun help = agent(home, {QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains("add NAME [--expires T]"));
}

QTEST_GUILESS_MAIN(TestAgentCli)
#include "tst_agent_cli.moc"
