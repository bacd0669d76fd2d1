// config.json both ways (configjson.h), the ConfigStore that follows the file on disk, and the
// home's lock file, table-driven.

#include "config/configjson.h"
#include "config/configstore.h"
#include "config/homelock.h"
#include "support/temphome.h"

#include <QFile>
#include <QSaveFile>
#include <QSignalSpy>
#include <QtTest>

#include <sys/stat.h>

class TestConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripIsTheIdentity_data();
    void roundTripIsTheIdentity();
    void serializationIsPrettyOrderedAndSorted();
    void missingOptionalFieldsTakeTheDefaults();
    void schemaErrorNamesThePointer_data();
    void schemaErrorNamesThePointer();
    void syntaxErrorNamesLineAndColumn_data();
    void syntaxErrorNamesLineAndColumn();
    void errorsNeverQuoteTheFile_data();
    void errorsNeverQuoteTheFile();
    void newerVersionIsRefused();
    void validateConfigChecksInMemoryConfigs();
    void missingFileIsAnEmptyConfig();
    void loadErrorNamesTheFile();
    void saveIsAtomicWithBackupAndPrivateModes();
    void invalidConfigIsNotSaved();
    void storeKeepsLastGoodConfigOnABrokenEdit();
    void storePicksUpAValidHandEdit();
    void storeIgnoresItsOwnSaveAndBrokenThenFixed();
    void storeLoadReportsAnInvalidFile();
    void secondLockHolderIsToldWhoHoldsIt();
};

// moc (Qt 6.4) does not know raw string literals: a URL in one (`//`) reads to it as a comment.
// The definitions below are hidden from it; it only needs the declarations above.
#ifndef Q_MOC_RUN

using namespace keyward;

namespace {

// A config file with one service named `name` whose object body is `body`.
QByteArray withService(const char *body, const char *name = "github")
{
    const QByteArray text = QByteArray(R"({"version": 1, "services": {")") + name + R"(": {)" + body + "}}}";
    return text;
}

// A minimal valid service body, extended by `extra` (which starts with a comma).
QByteArray minimal(const char *extra = "")
{
    const QByteArray body = QByteArray(R"("baseUrl": "https://api.github.com", "auth": {"type": "bearer"})") + extra;
    return withService(body.constData());
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(bytes), bytes.size());
}

// The permission bits of a file, as `ls -l` shows them.
int unixMode(const QString &path)
{
    struct stat info {};
    return ::stat(QFile::encodeName(path).constData(), &info) == 0 ? int(info.st_mode & 07777) : -1;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

Config fullConfig()
{
    Config config;
    ServiceConfig github;
    github.description = QStringLiteral("GitHub REST API");
    github.baseUrl = QStringLiteral("https://api.github.com");
    github.auth.type = AuthType::Header;
    github.auth.header = QStringLiteral("Authorization");
    github.auth.prefix = QStringLiteral("token ");
    github.caFile = QStringLiteral("/etc/ssl/extra.pem");
    github.setHeaders = {{QStringLiteral("Accept"), QStringLiteral("application/vnd.github+json")},
                         {QStringLiteral("X-GitHub-Api-Version"), QStringLiteral("2022-11-28")}};
    github.testPath = QStringLiteral("/user");
    github.policy.rules = {{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("/repos/**")},
                           {RuleAction::Deny, QStringLiteral("DELETE"), QStringLiteral("/**")},
                           {RuleAction::Ask, QStringLiteral("POST"), QStringLiteral("/repos/*/issues")}};
    github.policy.rate = RateLimit{RatePer::Hour, 500, 50};
    github.policy.schedule = {QStringLiteral("Mon-Fri 09:00-18:00"), QStringLiteral("Sat 10:00-12:00")};
    github.policy.requireReason = true;
    github.policy.agents = QStringList{QStringLiteral("claude-code"), QStringLiteral("cursor")};
    github.policy.timeoutMs = 15000;
    github.policy.maxRequestBytes = 4096;
    github.policy.maxResponseBytes = 1 << 20;
    github.policy.allowHeaders = {QStringLiteral("X-Request-Id")};
    github.agentPoliciesJson[QStringLiteral("cursor")] = QStringLiteral(R"({"rate":{"burst":5,"n":10,"per":"min"}})");
    config.services[QStringLiteral("github")] = github;

    ServiceConfig local;
    local.baseUrl = QStringLiteral("http://127.0.0.1:11434/api");
    local.enabled = false;
    local.auth.type = AuthType::Query;
    local.auth.param = QStringLiteral("key");
    config.services[QStringLiteral("ollama")] = local;

    ServiceConfig basic;
    basic.baseUrl = QStringLiteral("https://jira.example.com/rest/api/2");
    basic.auth.type = AuthType::Basic;
    basic.auth.username = QStringLiteral("bot@example.com");
    config.services[QStringLiteral("jira")] = basic;

    config.agents[QStringLiteral("cursor")] = {QStringLiteral("sha256:abcd"), QStringLiteral("2025-01-31T12:00:00Z"),
                                               QStringLiteral("2025-04-30T12:00:00Z")};
    config.agents[QStringLiteral("claude-code")] = {QStringLiteral("sha256:ef01"), QStringLiteral("2025-01-31T12:00:00.123Z"), {}};
    config.runRefs[QStringLiteral("gh")] = {QStringLiteral("GITHUB_TOKEN"),
                                            {QStringLiteral("/usr/bin/npx"), QStringLiteral("-y"), QStringLiteral("server")}};
    config.settings.secretStore = SecretStoreKind::File;
    config.settings.httpEnabled = true;
    config.settings.httpPort = 8080;
    config.settings.retentionDays = 30;
    config.settings.auditBodies = false;
    config.settings.auditBodyCap = 1024;
    config.settings.notificationsJson = QStringLiteral(R"({"quietHours":"22:00-07:00"})");
    return config;
}

} // namespace

void TestConfig::roundTripIsTheIdentity_data()
{
    QTest::addColumn<Config>("config");
    QTest::newRow("empty") << Config{};
    QTest::newRow("full") << fullConfig();
    Config defaults;
    defaults.services[QStringLiteral("a")].baseUrl = QStringLiteral("https://a.example");
    QTest::newRow("one default service") << defaults;
}

void TestConfig::roundTripIsTheIdentity()
{
    QFETCH(Config, config);
    const QByteArray text = serializeConfig(config);
    const auto parsed = parseConfig(text);
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : qPrintable(parsed.error().message));
    QVERIFY(*parsed == config);
    QCOMPARE(serializeConfig(*parsed), text);
}

void TestConfig::serializationIsPrettyOrderedAndSorted()
{
    Config config = fullConfig();
    auto &headers = config.services[QStringLiteral("github")].setHeaders;
    std::reverse(headers.begin(), headers.end());
    const QByteArray text = serializeConfig(config);
    QVERIFY(text.startsWith("{\n  \"version\": 1,\n  \"services\": {\n    \"github\": {\n      \"description\""));
    QVERIFY(text.endsWith("}\n"));
    QVERIFY(text.indexOf("\"Accept\"") < text.indexOf("\"X-GitHub-Api-Version\""));
    QCOMPARE(text, serializeConfig(fullConfig()));
    QVERIFY(text.contains(R"("per": "h")"));
    QVERIFY(text.contains(R"("expires": null)"));
}

void TestConfig::missingOptionalFieldsTakeTheDefaults()
{
    const auto config = parseConfig(minimal());
    QVERIFY2(config.ok(), config.ok() ? "" : qPrintable(config.error().message));
    const ServiceConfig &service = config->services.at(QStringLiteral("github"));
    QVERIFY(service.enabled);
    QVERIFY(service.description.isEmpty());
    QVERIFY(service.caFile.isEmpty());
    QVERIFY(service.policy == Policy{});
    QCOMPARE(service.policy.timeoutMs, 30000);
    QCOMPARE(service.policy.maxResponseBytes, qint64(10 * 1024 * 1024));
    QVERIFY(!service.policy.rate);
    QVERIFY(!service.policy.agents);
    QVERIFY(config->settings == Settings{});
    QCOMPARE(config->settings.httpPort, 47817);

    const auto rate = parseConfig(minimal(R"(, "policy": {"rate": {"per": "min", "n": 7}})"));
    QVERIFY(rate.ok());
    QCOMPARE(rate->services.at(QStringLiteral("github")).policy.rate->burst, 7);
}

void TestConfig::schemaErrorNamesThePointer_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("expected");

    const auto row = [](const char *name, const QByteArray &text, const char *expected) {
        QTest::newRow(name) << text << QString::fromUtf8(expected);
    };
    const char *bearer = R"("baseUrl": "https://api.github.com", "auth": {"type": "bearer"})";
    const auto service = [](const char *body) { return withService(body); };

    row("auth type unknown", service(R"("baseUrl": "https://x.io", "auth": {"type": "token"})"),
        "/services/github/auth/type: expected one of bearer, basic, header, query");
    row("auth missing", service(R"("baseUrl": "https://x.io")"), "/services/github/auth: is required");
    row("auth type missing", service(R"("baseUrl": "https://x.io", "auth": {})"), "/services/github/auth/type: is required");
    row("baseUrl missing", service(R"("auth": {"type": "bearer"})"), "/services/github/baseUrl: is required");
    row("baseUrl not a string", service(R"("baseUrl": 5, "auth": {"type": "bearer"})"), "/services/github/baseUrl: expected a string");
    row("baseUrl http remote", service(R"("baseUrl": "http://api.github.com", "auth": {"type": "bearer"})"),
        "/services/github/baseUrl: must use https://");
    row("baseUrl ftp", service(R"("baseUrl": "ftp://x.io", "auth": {"type": "bearer"})"), "/services/github/baseUrl: must start with https://");
    row("baseUrl query", service(R"("baseUrl": "https://x.io/v1?a=b", "auth": {"type": "bearer"})"), "/services/github/baseUrl: must not contain a query");
    row("baseUrl fragment", service(R"("baseUrl": "https://x.io/v1#top", "auth": {"type": "bearer"})"), "/services/github/baseUrl: must not contain a fragment");
    row("baseUrl userinfo", service(R"("baseUrl": "https://me@x.io", "auth": {"type": "bearer"})"), "/services/github/baseUrl: must not contain a user name");
    row("baseUrl dot segment", service(R"("baseUrl": "https://x.io/v1/../admin", "auth": {"type": "bearer"})"), "/services/github/baseUrl: path must not contain . or ..");
    row("header auth without header", service(R"("baseUrl": "https://x.io", "auth": {"type": "header"})"),
        "/services/github/auth/header: is required with auth type header");
    row("header auth with Host", service(R"("baseUrl": "https://x.io", "auth": {"type": "header", "header": "Host"})"),
        "/services/github/auth/header: cannot carry a credential");
    row("query auth without param", service(R"("baseUrl": "https://x.io", "auth": {"type": "query"})"),
        "/services/github/auth/param: is required with auth type query");
    row("basic auth without username", service(R"("baseUrl": "https://x.io", "auth": {"type": "basic"})"),
        "/services/github/auth/username: is required with auth type basic");
    row("username with colon", service(R"("baseUrl": "https://x.io", "auth": {"type": "basic", "username": "a:b"})"),
        "/services/github/auth/username: must not contain a colon");
    row("bearer with param", service(R"("baseUrl": "https://x.io", "auth": {"type": "bearer", "param": "k"})"),
        "/services/github/auth/param: is only used with auth type query");
    row("bearer with prefix", service(R"("baseUrl": "https://x.io", "auth": {"type": "bearer", "prefix": "Token "})"),
        "/services/github/auth/prefix: is only used with auth type header");
    row("setHeaders Authorization", minimal(R"(, "setHeaders": {"Authorization": "Bearer x"})"),
        "/services/github/setHeaders/Authorization: names a security-relevant header");
    row("setHeaders X-Forwarded-For", minimal(R"(, "setHeaders": {"X-Forwarded-For": "1.2.3.4"})"),
        "/services/github/setHeaders/X-Forwarded-For: names a security-relevant header");
    row("setHeaders CRLF value", minimal(R"(, "setHeaders": {"X-Foo": "a\r\nX-Evil: 1"})"),
        "/services/github/setHeaders/X-Foo: value must not contain a line break");
    row("setHeaders bad name", minimal(R"(, "setHeaders": {"Bad Name": "x"})"),
        "/services/github/setHeaders/Bad Name: is not a valid header name");
    row("setHeaders number value", minimal(R"(, "setHeaders": {"X-Foo": 1})"), "/services/github/setHeaders/X-Foo: expected a string");
    row("setHeaders credential header", service(R"("baseUrl": "https://x.io", "auth": {"type": "header", "header": "X-Api-Key"}, "setHeaders": {"x-api-key": "1"})"),
        "/services/github/setHeaders/x-api-key: names the credential's own header");
    row("rule method lowercase", minimal(R"(, "policy": {"rules": [{"action": "allow", "method": "get", "path": "/x"}]})"),
        "/services/github/policy/rules/0/method: must be uppercase (GET)");
    row("rule method unknown", minimal(R"(, "policy": {"rules": [{"action": "allow", "method": "GET", "path": "/x"}, {"action": "allow", "method": "TRACE", "path": "/x"}]})"),
        "/services/github/policy/rules/1/method: must be one of GET");
    row("rule path relative", minimal(R"(, "policy": {"rules": [{"action": "deny", "method": "*", "path": "x/y"}]})"),
        "/services/github/policy/rules/0/path: must start with /");
    row("rule path partial globstar", minimal(R"(, "policy": {"rules": [{"action": "deny", "method": "*", "path": "/a**"}]})"),
        "/services/github/policy/rules/0/path: may use ** only as a whole segment");
    row("rule action unknown", minimal(R"(, "policy": {"rules": [{"action": "permit", "method": "GET", "path": "/x"}]})"),
        "/services/github/policy/rules/0/action: expected one of allow, deny, ask");
    row("rule method missing", minimal(R"(, "policy": {"rules": [{"action": "allow", "path": "/x"}]})"),
        "/services/github/policy/rules/0/method: is required");
    row("rate per week", minimal(R"(, "policy": {"rate": {"per": "week", "n": 1}})"), "/services/github/policy/rate/per: expected one of s, min, h, day");
    row("rate n zero", minimal(R"(, "policy": {"rate": {"per": "s", "n": 0}})"), "/services/github/policy/rate/n: must be between 1 and");
    row("rate n fractional", minimal(R"(, "policy": {"rate": {"per": "s", "n": 1.5}})"), "/services/github/policy/rate/n: expected a whole number");
    row("timeoutMs too small", minimal(R"(, "policy": {"timeoutMs": 5})"), "/services/github/policy/timeoutMs: must be between 100 and 600000");
    row("timeoutMs string", minimal(R"(, "policy": {"timeoutMs": "30s"})"), "/services/github/policy/timeoutMs: expected a whole number");
    row("maxResponseBytes zero", minimal(R"(, "policy": {"maxResponseBytes": 0})"), "/services/github/policy/maxResponseBytes: must be between 1");
    row("schedule malformed", minimal(R"(, "policy": {"schedule": ["weekdays 9-5"]})"), "/services/github/policy/schedule/0: must look like");
    row("agents bad name", minimal(R"(, "policy": {"agents": ["Claude Code"]})"), "/services/github/policy/agents/0: agent names match");
    row("agents not a list", minimal(R"(, "policy": {"agents": "all"})"), "/services/github/policy/agents: expected null (every agent)");
    row("allowHeaders Cookie", minimal(R"(, "policy": {"allowHeaders": ["Cookie"]})"), "/services/github/policy/allowHeaders/0: names a security-relevant header");
    row("unknown key in policy", minimal(R"(, "policy": {"limit": 1})"), "/services/github/policy/limit: unknown key; allowed here: rules,");
    row("unknown key in service", minimal(R"(, "color": "red")"), "/services/github/color: unknown key; allowed here: description,");
    row("unknown key in auth", service(R"("baseUrl": "https://x.io", "auth": {"type": "bearer", "token": "x"})"),
        "/services/github/auth/token: unknown key");
    row("unknown top-level key", R"({"version": 1, "extra": {}})", "/extra");
    row("service name invalid", withService(bearer, "GitHub"), "/services/GitHub: service names match");
    row("service name with slash", withService(bearer, "a/b"), "/services/a~1b: service names match");
    row("enabled not a bool", minimal(R"(, "enabled": "yes")"), "/services/github/enabled: expected true or false");
    row("caFile relative", minimal(R"(, "caFile": "ca.pem")"), "/services/github/caFile: must be an absolute path");
    row("testPath relative", minimal(R"(, "testPath": "user")"), "/services/github/testPath: must start with /");
    row("agentPolicies bad rate", minimal(R"(, "agentPolicies": {"bot": {"rate": {"per": "s", "n": -1}}})"),
        "/services/github/agentPolicies/bot/rate/n: must be between 1");
    row("agentPolicies bad agent", minimal(R"(, "agentPolicies": {"Bot!": {}})"), "/services/github/agentPolicies/Bot!: agent names match");
    row("services not an object", R"({"version": 1, "services": []})", "/services: expected an object");
    row("agent without tokenHash", R"({"version": 1, "agents": {"bot": {"created": "2025-01-01T00:00:00Z"}}})", "/agents/bot/tokenHash: is required");
    row("agent created not a time", R"({"version": 1, "agents": {"bot": {"tokenHash": "h", "created": "yesterday"}}})", "/agents/bot/created: must be an RFC 3339 time");
    row("runRef env invalid", R"({"version": 1, "runRefs": {"gh": {"env": "GITHUB-TOKEN", "command": ["/bin/true"]}}})", "/runRefs/gh/env: must be an environment variable name");
    row("runRef command empty", R"({"version": 1, "runRefs": {"gh": {"env": "T", "command": []}}})", "/runRefs/gh/command: must name the program");
    row("secretStore unknown", R"({"version": 1, "settings": {"secretStore": "vault"}})", "/settings/secretStore: expected one of keychain, file");
    row("http port too big", R"({"version": 1, "settings": {"http": {"port": 70000}}})", "/settings/http/port: must be between 1 and 65535");
    row("unknown settings key", R"({"version": 1, "settings": {"theme": "dark"}})", "/settings/theme: unknown key");
    row("notifications not an object", R"({"version": 1, "settings": {"notifications": true}})", "/settings/notifications: expected an object");
    row("notifications unknown key", R"({"version": 1, "settings": {"notifications": {"sound": true}}})", "/settings/notifications/sound: unknown key");
    row("notifications unknown category", R"({"version": 1, "settings": {"notifications": {"rules": {"weather": {}}}}})", "/settings/notifications/rules/weather: unknown key");
    row("notifications count zero", R"({"version": 1, "settings": {"notifications": {"rules": {"denial_burst": {"count": 0}}}}})", "/settings/notifications/rules/denial_burst/count: must be between 1 and 10000");
    row("notifications key of another rule", R"({"version": 1, "settings": {"notifications": {"rules": {"new_agent": {"zScore": 3}}}}})", "/settings/notifications/rules/new_agent/zScore: unknown key");
    row("notifications bad quiet hours", R"({"version": 1, "settings": {"notifications": {"quietHours": "late"}}})", "/settings/notifications/quietHours: ");
    row("version missing", R"({"services": {}})", "/version");
    row("version zero", R"({"version": 0})", "/version");
}

void TestConfig::schemaErrorNamesThePointer()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, expected);
    const auto config = parseConfig(text);
    QVERIFY(!config.ok());
    QCOMPARE(config.error().code, QStringLiteral("config_invalid"));
    QVERIFY2(config.error().message.contains(expected), qPrintable(config.error().message));
}

void TestConfig::syntaxErrorNamesLineAndColumn_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("position");
    QTest::newRow("trailing comma") << QByteArray(R"({"version": 1,})") << QStringLiteral("line 1, column 15");
    QTest::newRow("third line") << QByteArray("{\n  \"version\": 1,\n  \"services\" {}\n}") << QStringLiteral("line 3, column 14");
    QTest::newRow("missing closing brace") << QByteArray("{\n\"version\": 1\n") << QStringLiteral("line 3, column 1");
    QTest::newRow("empty file") << QByteArray() << QStringLiteral("line 1, column 1");
}

void TestConfig::syntaxErrorNamesLineAndColumn()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, position);
    const auto config = parseConfig(text);
    QVERIFY(!config.ok());
    QCOMPARE(config.error().code, QStringLiteral("config_syntax"));
    QVERIFY2(config.error().message.startsWith(position), qPrintable(config.error().message));
}

void TestConfig::errorsNeverQuoteTheFile_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("bare token") << QByteArray(R"({"version": 1, "services": kw-canary-1234})");
    QTest::newRow("unterminated string") << QByteArray(R"({"version": 1, "x": "kw-canary-1234)");
    QTest::newRow("secret in url") << withService(R"("baseUrl": "https://kw-canary-1234@x.io", "auth": {"type": "bearer"})");
    QTest::newRow("secret as header value") << minimal(R"(, "setHeaders": {"Authorization": "Bearer kw-canary-1234"})");
    QTest::newRow("secret as auth type") << withService(R"("baseUrl": "https://x.io", "auth": {"type": "kw-canary-1234"})");
}

void TestConfig::errorsNeverQuoteTheFile()
{
    QFETCH(QByteArray, text);
    const auto config = parseConfig(text);
    QVERIFY(!config.ok());
    QVERIFY2(!config.error().message.contains(QLatin1String("canary")), qPrintable(config.error().message));
}

void TestConfig::newerVersionIsRefused()
{
    const auto config = parseConfig(R"({"version": 2, "services": {}, "futureThing": true})");
    QVERIFY(!config.ok());
    QVERIFY2(config.error().message.contains(QLatin1String("written by a newer Keyward")), qPrintable(config.error().message));
    QCOMPARE(config.error().code, QStringLiteral("config_version"));
}

void TestConfig::validateConfigChecksInMemoryConfigs()
{
    Config config = fullConfig();
    QVERIFY(validateConfig(config).ok());
    config.services[QStringLiteral("github")].policy.rules.append({RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("repos")});
    const auto result = validateConfig(config);
    QVERIFY(!result.ok());
    QVERIFY2(result.error().message.startsWith(QLatin1String("/services/github/policy/rules/3/path:")), qPrintable(result.error().message));
}

void TestConfig::missingFileIsAnEmptyConfig()
{
    test::TempHome home;
    const auto config = loadConfigFile(home.filePath(QStringLiteral("config.json")));
    QVERIFY(config.ok());
    QVERIFY(config->services.empty());
}

void TestConfig::loadErrorNamesTheFile()
{
    test::TempHome home;
    const QString path = home.filePath(QStringLiteral("config.json"));
    writeFile(path, R"({"version": 1, "services": 3})");
    const auto config = loadConfigFile(path);
    QVERIFY(!config.ok());
    QVERIFY(config.error().message.startsWith(path + QStringLiteral(": /services:")));
}

void TestConfig::saveIsAtomicWithBackupAndPrivateModes()
{
    test::TempHome home;
    const QString dir = home.filePath(QStringLiteral("nested/conf"));
    const QString path = dir + QStringLiteral("/config.json");
    QVERIFY(saveConfigFile(path, Config{}).ok());
    QVERIFY(!QFile::exists(path + QStringLiteral(".bak")));
    const QByteArray first = readFile(path);
    QCOMPARE(first, serializeConfig(Config{}));

    QVERIFY(saveConfigFile(path, fullConfig()).ok());
    QCOMPARE(readFile(path + QStringLiteral(".bak")), first);
    QCOMPARE(readFile(path), serializeConfig(fullConfig()));
    QCOMPARE(unixMode(path), 0600);
    QCOMPARE(unixMode(path + QStringLiteral(".bak")), 0600);
    QCOMPARE(unixMode(dir), 0700);
    QVERIFY(QDir(dir).entryList(QDir::Files | QDir::Hidden).size() == 2); // no temporary left behind
}

void TestConfig::invalidConfigIsNotSaved()
{
    test::TempHome home;
    const QString path = home.filePath(QStringLiteral("config.json"));
    QVERIFY(saveConfigFile(path, fullConfig()).ok());
    Config broken = fullConfig();
    broken.services[QStringLiteral("github")].baseUrl = QStringLiteral("http://api.github.com");
    const auto saved = saveConfigFile(path, broken);
    QVERIFY(!saved.ok());
    QVERIFY(saved.error().message.startsWith(QLatin1String("/services/github/baseUrl:")));
    QCOMPARE(readFile(path), serializeConfig(fullConfig()));
}

void TestConfig::storeKeepsLastGoodConfigOnABrokenEdit()
{
    test::TempHome home;
    const QString path = home.filePath(QStringLiteral("config.json"));
    writeFile(path, serializeConfig(fullConfig()));
    ConfigStore store(path);
    QVERIFY(store.load().ok());
    QSignalSpy invalid(&store, &ConfigStore::invalid);
    QSignalSpy changed(&store, &ConfigStore::changed);

    writeFile(path, "{\"version\": 1,\n  \"services\": {\n");
    QVERIFY(invalid.wait(5000));
    QCOMPARE(changed.count(), 0);
    QVERIFY(store.config() == fullConfig());
    QVERIFY(store.lastError().has_value());
    const auto error = invalid.takeFirst().at(0).value<Error>();
    QCOMPARE(error.code, QStringLiteral("config_syntax"));
    QVERIFY2(error.message.contains(QLatin1String("line 3")), qPrintable(error.message));

    // A schema error too keeps the last good config.
    writeFile(path, minimal(R"(, "enabled": "no")"));
    QVERIFY(invalid.wait(5000));
    QVERIFY(store.config() == fullConfig());
}

void TestConfig::storePicksUpAValidHandEdit()
{
    test::TempHome home;
    const QString path = home.filePath(QStringLiteral("config.json"));
    ConfigStore store(path);
    QVERIFY(store.load().ok());
    QVERIFY(store.save(fullConfig()).ok());
    QSignalSpy changed(&store, &ConfigStore::changed);

    Config edited = fullConfig();
    edited.services[QStringLiteral("github")].enabled = false;
    writeFile(path, serializeConfig(edited)); // in place, as an editor without atomic save
    QVERIFY(changed.wait(5000));
    QVERIFY(store.config() == edited);
    QVERIFY(changed.takeFirst().at(0).value<Config>() == edited);

    // An atomic replace (new inode) is seen, and the file stays watched afterwards.
    for (int round = 0; round < 2; ++round) {
        edited.services[QStringLiteral("jira")].description = QStringLiteral("round %1").arg(round);
        QSaveFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(serializeConfig(edited));
        QVERIFY(out.commit());
        QVERIFY(changed.wait(5000));
        QCOMPARE(store.config().services.at(QStringLiteral("jira")).description, QStringLiteral("round %1").arg(round));
    }
}

void TestConfig::storeIgnoresItsOwnSaveAndBrokenThenFixed()
{
    test::TempHome home;
    const QString path = home.filePath(QStringLiteral("config.json"));
    ConfigStore store(path);
    QVERIFY(store.load().ok());
    QSignalSpy changed(&store, &ConfigStore::changed);
    QSignalSpy invalid(&store, &ConfigStore::invalid);
    QVERIFY(store.save(fullConfig()).ok());
    QTest::qWait(ConfigStore::kSettleMs * 3);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(invalid.count(), 0);

    writeFile(path, "not json");
    QVERIFY(invalid.wait(5000));
    writeFile(path, serializeConfig(Config{}));
    QVERIFY(changed.wait(5000));
    QVERIFY(store.config().services.empty());
    QVERIFY(!store.lastError().has_value());
}

void TestConfig::storeLoadReportsAnInvalidFile()
{
    test::TempHome home;
    const QString path = home.filePath(QStringLiteral("config.json"));
    writeFile(path, R"({"version": 3})");
    ConfigStore store(path);
    const auto loaded = store.load();
    QVERIFY(!loaded.ok());
    QVERIFY(loaded.error().message.contains(QLatin1String("newer Keyward")));
    QVERIFY(store.config().services.empty());
}

void TestConfig::secondLockHolderIsToldWhoHoldsIt()
{
    test::TempHome home;
    const KeywardHome layout = KeywardHome::atDirectory(home.path());
    auto first = HomeLock::acquire(layout, 1000);
    QVERIFY(first.ok());
    QCOMPARE(unixMode(layout.runDir()), 0700);
    auto second = HomeLock::acquire(layout, 200);
    QVERIFY(!second.ok());
    QCOMPARE(second.error().code, QStringLiteral("home_locked"));
    QVERIFY2(second.error().message.contains(QString::number(QCoreApplication::applicationPid())), qPrintable(second.error().message));
    first = Error{}; // releases
    QVERIFY(HomeLock::acquire(layout, 1000).ok());
}

#endif // Q_MOC_RUN

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
