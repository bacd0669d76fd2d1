// Agent tokens: their format, the stored hash, and authenticateAgent() for valid, unknown,
// expired and malformed tokens, with no token ever in a message.

#include "agents/agenttokens.h"
#include "config/configjson.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QSet>
#include <QtTest>

using keyward::AgentConfig;
using keyward::Config;

namespace {

const QDateTime kNow = QDateTime(QDate(2026, 11, 26), QTime(9, 30, 0), Qt::UTC);

} // namespace

class TestAgentTokens : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tokenIsPrefixedBase64urlOf32RandomBytes();
    void tokensAreUnique();
    void storedHashIsSha256OfTheToken();
    void issuedConfigHasRfc3339TimesAndPassesValidation();
    void validTokenNamesItsAgent();
    void unknownTokenIsInvalidWithoutNamingAnyAgent();
    void expiredTokenSaysSoAndHowToRenew();
    void tokenIsValidUntilTheMomentItExpires();
    void unparsableExpiryCountsAsExpired();
    void malformedTokensAreInvalid_data();
    void malformedTokensAreInvalid();
    void wellFormedTokensAreRecognized();
};

void TestAgentTokens::tokenIsPrefixedBase64urlOf32RandomBytes()
{
    const auto issued = keyward::issueAgentToken(kNow);
    QCOMPARE(issued.token.size(), 47);
    QVERIFY(issued.token.startsWith("kwa_"));
    static const QRegularExpression shape(QStringLiteral("^kwa_[A-Za-z0-9_-]{43}$"));
    QVERIFY(shape.match(QString::fromLatin1(issued.token)).hasMatch());
    const QByteArray raw = QByteArray::fromBase64(issued.token.mid(4), QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    QCOMPARE(raw.size(), 32);
    QVERIFY(keyward::isWellFormedAgentToken(issued.token));
}

void TestAgentTokens::tokensAreUnique()
{
    QSet<QByteArray> tokens;
    for (int i = 0; i < 200; ++i)
        tokens.insert(keyward::issueAgentToken(kNow).token);
    QCOMPARE(tokens.size(), 200);
}

void TestAgentTokens::storedHashIsSha256OfTheToken()
{
    const auto issued = keyward::issueAgentToken(kNow);
    const QString expected = QStringLiteral("sha256:")
        + QString::fromLatin1(QCryptographicHash::hash(issued.token, QCryptographicHash::Sha256).toHex());
    QCOMPARE(issued.config.tokenHash, expected);
    QCOMPARE(keyward::agentTokenHash(issued.token), expected);
    QVERIFY(!issued.config.tokenHash.contains(QString::fromLatin1(issued.token.mid(4))));
}

void TestAgentTokens::issuedConfigHasRfc3339TimesAndPassesValidation()
{
    const auto never = keyward::issueAgentToken(kNow);
    QCOMPARE(never.config.created, QStringLiteral("2026-11-26T09:30:00Z"));
    QVERIFY(never.config.expires.isEmpty());
    const auto later = keyward::issueAgentToken(kNow, kNow.addDays(90));
    QCOMPARE(later.config.expires, QStringLiteral("2027-02-24T09:30:00Z"));

    Config config;
    config.agents[QStringLiteral("ci-bot")] = later.config;
    config.agents[QStringLiteral("cursor")] = never.config;
    QVERIFY(keyward::validateConfig(config));
    const auto reparsed = keyward::parseConfig(keyward::serializeConfig(config));
    QVERIFY(reparsed);
    QCOMPARE(reparsed->agents, config.agents);
    QVERIFY(!keyward::serializeConfig(config).contains(later.token));
}

void TestAgentTokens::validTokenNamesItsAgent()
{
    Config config;
    const auto alpha = keyward::issueAgentToken(kNow);
    const auto beta = keyward::issueAgentToken(kNow, kNow.addDays(1));
    config.agents[QStringLiteral("alpha")] = alpha.config;
    config.agents[QStringLiteral("beta")] = beta.config;
    const auto a = keyward::authenticateAgent(config, alpha.token, kNow);
    QVERIFY(a);
    QCOMPARE(a.value(), QStringLiteral("alpha"));
    const auto b = keyward::authenticateAgent(config, beta.token, kNow.addSecs(3600));
    QVERIFY(b);
    QCOMPARE(b.value(), QStringLiteral("beta"));
}

void TestAgentTokens::unknownTokenIsInvalidWithoutNamingAnyAgent()
{
    Config config;
    config.agents[QStringLiteral("alpha")] = keyward::issueAgentToken(kNow).config;
    const auto stranger = keyward::issueAgentToken(kNow);
    const auto result = keyward::authenticateAgent(config, stranger.token, kNow);
    QVERIFY(!result);
    QCOMPARE(result.error().code, QStringLiteral("unauthorized"));
    QVERIFY(result.error().message.startsWith(QStringLiteral("invalid token")));
    QVERIFY(!result.error().message.contains(QStringLiteral("alpha")));
    QVERIFY(!result.error().message.contains(QString::fromLatin1(stranger.token)));

    // The same answer with no agents at all.
    const auto none = keyward::authenticateAgent(Config{}, stranger.token, kNow);
    QVERIFY(!none);
    QCOMPARE(none.error().message, result.error().message);
}

void TestAgentTokens::expiredTokenSaysSoAndHowToRenew()
{
    Config config;
    const auto issued = keyward::issueAgentToken(kNow, kNow.addDays(7));
    config.agents[QStringLiteral("ci-bot")] = issued.config;
    const auto result = keyward::authenticateAgent(config, issued.token, kNow.addDays(8));
    QVERIFY(!result);
    QCOMPARE(result.error().code, QStringLiteral("unauthorized"));
    QVERIFY2(result.error().message.startsWith(QStringLiteral("agent 'ci-bot''s token expired at 2026-12-03T09:30:00Z")),
             qPrintable(result.error().message));
    QVERIFY(result.error().message.contains(QStringLiteral("keyward agent add ci-bot")));
    QVERIFY(!result.error().message.contains(QString::fromLatin1(issued.token)));
    QVERIFY(!result.error().message.contains(issued.config.tokenHash));
}

void TestAgentTokens::tokenIsValidUntilTheMomentItExpires()
{
    Config config;
    const auto issued = keyward::issueAgentToken(kNow, kNow.addSecs(60));
    config.agents[QStringLiteral("a")] = issued.config;
    QVERIFY(keyward::authenticateAgent(config, issued.token, kNow.addSecs(59)));
    QVERIFY(!keyward::authenticateAgent(config, issued.token, kNow.addSecs(60)));
    QVERIFY(!keyward::agentTokenExpired(issued.config, kNow.addSecs(59)));
    QVERIFY(keyward::agentTokenExpired(issued.config, kNow.addSecs(60)));
    QVERIFY(!keyward::agentTokenExpired(keyward::issueAgentToken(kNow).config, kNow.addYears(100)));
}

void TestAgentTokens::unparsableExpiryCountsAsExpired()
{
    AgentConfig agent = keyward::issueAgentToken(kNow).config;
    agent.expires = QStringLiteral("someday");
    QVERIFY(keyward::agentTokenExpired(agent, kNow));
}

void TestAgentTokens::malformedTokensAreInvalid_data()
{
    QTest::addColumn<QByteArray>("token");
    const QByteArray good = keyward::issueAgentToken(kNow).token;
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("prefix only") << QByteArray("kwa_");
    QTest::newRow("wrong prefix") << QByteArray("kwb_") + good.mid(4);
    QTest::newRow("uppercase prefix") << QByteArray("KWA_") + good.mid(4);
    QTest::newRow("one character short") << good.left(46);
    QTest::newRow("one character long") << good + "A";
    QTest::newRow("standard base64 plus") << good.left(46) + "+";
    QTest::newRow("standard base64 slash") << good.left(46) + "/";
    QTest::newRow("padding") << good.left(46) + "=";
    QTest::newRow("space") << good.left(46) + " ";
    QTest::newRow("NUL") << good.left(46) + QByteArray(1, '\0');
    QTest::newRow("bearer prefix kept") << QByteArray("Bearer ") + good;
    QTest::newRow("the stored hash") << keyward::agentTokenHash(good).toLatin1();
}

void TestAgentTokens::malformedTokensAreInvalid()
{
    QFETCH(QByteArray, token);
    // Even an agent whose stored hash is the hash of this very string does not match it.
    Config config;
    AgentConfig agent = keyward::issueAgentToken(kNow).config;
    agent.tokenHash = keyward::agentTokenHash(token);
    config.agents[QStringLiteral("x")] = agent;
    QVERIFY(!keyward::isWellFormedAgentToken(token));
    const auto result = keyward::authenticateAgent(config, token, kNow);
    QVERIFY(!result);
    QCOMPARE(result.error().code, QStringLiteral("unauthorized"));
    QVERIFY(result.error().message.startsWith(QStringLiteral("invalid token")));
    if (token.size() > 4)
        QVERIFY(!result.error().message.toUtf8().contains(token));
}

void TestAgentTokens::wellFormedTokensAreRecognized()
{
    QVERIFY(keyward::isWellFormedAgentToken(QByteArray(QByteArray("kwa_") + QByteArray(43, 'A'))));
    QVERIFY(keyward::isWellFormedAgentToken(QByteArray(QByteArray("kwa_") + QByteArray(43, '-'))));
    QVERIFY(keyward::isWellFormedAgentToken(QByteArray(QByteArray("kwa_") + QByteArray(43, '_'))));
}

QTEST_APPLESS_MAIN(TestAgentTokens)
#include "tst_agenttokens.moc"
