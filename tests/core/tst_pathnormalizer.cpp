// normalizePath and joinUnderBase: the canonical form of accepted paths, every refusal with its
// rule, and URLs that stay under the base URL.

#include "policy/denial.h"
#include "policy/pathnormalizer.h"

#include <QtTest>

using keyward::policy::joinUnderBase;
using keyward::policy::kMaxPathBytes;
using keyward::policy::normalizePath;

class TestPathNormalizer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void acceptedPathIsCanonical_data()
    {
        QTest::addColumn<QString>("raw");
        QTest::addColumn<QString>("normalized");

        QTest::newRow("root") << "/" << "/";
        QTest::newRow("plain path") << "/users" << "/users";
        QTest::newRow("nested path") << "/repos/keyward/issues/42" << "/repos/keyward/issues/42";
        QTest::newRow("trailing slash kept") << "/users/" << "/users/";
        QTest::newRow("double slash collapsed") << "/a//b" << "/a/b";
        QTest::newRow("many slashes collapsed") << "/a////b///c" << "/a/b/c";
        QTest::newRow("trailing double slash") << "/a//" << "/a/";
        QTest::newRow("single dot removed") << "/a/./b" << "/a/b";
        QTest::newRow("leading single dot") << "/./a" << "/a";
        QTest::newRow("trailing single dot") << "/a/." << "/a/";
        QTest::newRow("dot dot removes segment") << "/a/b/../c" << "/a/c";
        QTest::newRow("trailing dot dot") << "/a/b/.." << "/a/";
        QTest::newRow("dot dot back to root") << "/a/.." << "/";
        QTest::newRow("public dot dot private") << "/public/../private" << "/private";
        QTest::newRow("several dot dots") << "/a/b/c/../../d" << "/a/d";
        QTest::newRow("dot slash slash host is a path") << "/.//host" << "/host";
        QTest::newRow("three dots is a name") << "/a/.../b" << "/a/.../b";
        QTest::newRow("dot in a name") << "/files/report.v2.json" << "/files/report.v2.json";
        QTest::newRow("dotfile name") << "/.well-known/openid" << "/.well-known/openid";
        QTest::newRow("dot dot prefix in a name") << "/a/..b" << "/a/..b";
        QTest::newRow("encoded letter decoded") << "/%61pi" << "/api";
        QTest::newRow("encoded uppercase letter decoded") << "/%41PI" << "/API";
        QTest::newRow("encoded digit decoded") << "/v%31" << "/v1";
        QTest::newRow("encoded tilde decoded") << "/%7Euser" << "/~user";
        QTest::newRow("encoded lowercase tilde decoded") << "/%7euser" << "/~user";
        QTest::newRow("encoded hyphen decoded") << "/a%2Db" << "/a-b";
        QTest::newRow("encoded underscore decoded") << "/a%5Fb" << "/a_b";
        QTest::newRow("encoded space kept") << "/a%20b" << "/a%20b";
        QTest::newRow("lowercase escape uppercased") << "/a%3ab" << "/a%3Ab";
        QTest::newRow("encoded question mark kept") << "/a%3Fb" << "/a%3Fb";
        QTest::newRow("encoded hash kept") << "/a%23b" << "/a%23b";
        QTest::newRow("encoded at kept") << "/a%40b" << "/a%40b";
        QTest::newRow("encoded plus kept") << "/a%2bb" << "/a%2Bb";
        QTest::newRow("encoded asterisk kept") << "/a%2a" << "/a%2A";
        QTest::newRow("raw space encoded") << "/a b" << "/a%20b";
        QTest::newRow("raw quote encoded") << "/a\"b" << "/a%22b";
        QTest::newRow("raw angle brackets encoded") << "/<b>" << "/%3Cb%3E";
        QTest::newRow("raw square brackets encoded") << "/a[0]" << "/a%5B0%5D";
        QTest::newRow("raw braces and pipe encoded") << "/{a|b}" << "/%7Ba%7Cb%7D";
        QTest::newRow("raw caret and backtick encoded") << "/a^b`" << "/a%5Eb%60";
        QTest::newRow("sub-delims kept") << "/a!$&'()*+,=b" << "/a!$&'()*+,=b";
        QTest::newRow("colon kept") << "/a:b" << "/a:b";
        QTest::newRow("at sign kept (Discord @me)") << "/users/@me" << "/users/@me";
        QTest::newRow("at sign in first segment (Mastodon)") << "/@user" << "/@user";
        QTest::newRow("user at host as a path") << "/user@evil.com/x" << "/user@evil.com/x";
        QTest::newRow("scheme-like segment after slash") << "/http:/evil" << "/http:/evil";
        QTest::newRow("scheme-like with double slash collapsed") << "/http://evil.com" << "/http:/evil.com";
        QTest::newRow("raw e acute encoded") << "/caf\u00e9" << "/caf%C3%A9";
        QTest::newRow("encoded e acute uppercased") << "/caf%c3%a9" << "/caf%C3%A9";
        QTest::newRow("raw CJK encoded") << "/\u65e5\u672c" << "/%E6%97%A5%E6%9C%AC";
        QTest::newRow("raw emoji encoded") << QString::fromUtf8("/\xF0\x9F\x94\x91") << "/%F0%9F%94%91";
        QTest::newRow("encoded emoji kept") << "/%f0%9f%94%91" << "/%F0%9F%94%91";
        QTest::newRow("raw and encoded e acute mixed") << "/\u00e9%C3%A9" << "/%C3%A9%C3%A9";
        QTest::newRow("max code point U+10FFFF") << "/%F4%8F%BF%BF" << "/%F4%8F%BF%BF";
        QTest::newRow("U+0800 three-byte minimum") << "/%E0%A0%80" << "/%E0%A0%80";
        QTest::newRow("U+0100 two-byte") << "/%C4%80" << "/%C4%80";
    }
    void acceptedPathIsCanonical()
    {
        QFETCH(QString, raw);
        QFETCH(QString, normalized);
        const auto result = normalizePath(raw);
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().code + u' ' + result.error().message));
        QCOMPARE(*result, normalized);
        // The canonical form is a fixed point and ASCII.
        const auto again = normalizePath(*result);
        QVERIFY(again.ok());
        QCOMPARE(*again, normalized);
        for (const QChar c : *result)
            QVERIFY(c.unicode() > 0x20 && c.unicode() < 0x7f);
    }

    void dangerousPathIsRefused_data()
    {
        QTest::addColumn<QString>("raw");
        QTest::addColumn<QString>("rule");

        QTest::newRow("empty") << "" << "guard:relative-path";
        QTest::newRow("no leading slash") << "users" << "guard:relative-path";
        QTest::newRow("leading space") << " /users" << "guard:relative-path";
        QTest::newRow("leading dot") << "./users" << "guard:relative-path";
        QTest::newRow("leading dot dot") << "../etc/passwd" << "guard:relative-path";
        QTest::newRow("http URL") << "http://evil.com/x" << "guard:absolute-url";
        QTest::newRow("https URL") << "https://evil.com" << "guard:absolute-url";
        QTest::newRow("bare https scheme") << "https:" << "guard:absolute-url";
        QTest::newRow("uppercase scheme") << "HTTPS://evil.com" << "guard:absolute-url";
        QTest::newRow("file scheme") << "file:///etc/passwd" << "guard:absolute-url";
        QTest::newRow("javascript scheme") << "javascript:alert(1)" << "guard:absolute-url";
        QTest::newRow("scheme with plus") << "svn+ssh://host" << "guard:absolute-url";
        QTest::newRow("scheme-relative host") << "//evil.com/x" << "guard:scheme-relative";
        QTest::newRow("scheme-relative with userinfo") << "//user@evil.com" << "guard:scheme-relative";
        QTest::newRow("triple slash") << "///evil.com" << "guard:scheme-relative";
        QTest::newRow("query") << "/users?admin=true" << "guard:query-in-path";
        QTest::newRow("lone question mark") << "/?" << "guard:query-in-path";
        QTest::newRow("fragment") << "/users#x" << "guard:fragment-in-path";
        QTest::newRow("backslash") << "/a\\b" << "guard:backslash";
        QTest::newRow("slash backslash host") << "/\\evil.com" << "guard:backslash";
        QTest::newRow("backslash dot dot") << "/public/..\\private" << "guard:backslash";
        QTest::newRow("semicolon segment") << "/users;jsessionid=1" << "guard:path-parameter";
        QTest::newRow("semicolon dot dot (Tomcat)") << "/public/..;/private" << "guard:path-parameter";
        QTest::newRow("lone semicolon") << "/;" << "guard:path-parameter";
        QTest::newRow("encoded semicolon") << "/a%3Bb" << "guard:path-parameter";
        QTest::newRow("encoded slash") << "/a%2Fb" << "guard:encoded-slash";
        QTest::newRow("encoded slash lowercase") << "/a%2fb" << "guard:encoded-slash";
        QTest::newRow("encoded dot dot slash") << "/public/..%2Fprivate" << "guard:encoded-slash";
        QTest::newRow("encoded backslash") << "/a%5Cb" << "guard:encoded-backslash";
        QTest::newRow("encoded backslash lowercase") << "/a%5cb" << "guard:encoded-backslash";
        QTest::newRow("encoded dot") << "/%2E" << "guard:encoded-dot";
        QTest::newRow("encoded dot dot") << "/public/%2E%2E/private" << "guard:encoded-dot";
        QTest::newRow("encoded dot dot lowercase") << "/public/%2e%2e/private" << "guard:encoded-dot";
        QTest::newRow("half encoded dot dot") << "/public/.%2e/private" << "guard:encoded-dot";
        QTest::newRow("encoded dot inside a name") << "/a%2Ejson" << "guard:encoded-dot";
        QTest::newRow("double-encoded dot") << "/public/%252E%252E/private" << "guard:encoded-percent";
        QTest::newRow("double-encoded slash") << "/a%252Fb" << "guard:encoded-percent";
        QTest::newRow("encoded percent") << "/100%25" << "guard:encoded-percent";
        QTest::newRow("encoded NUL") << "/a%00b" << "guard:control-char";
        QTest::newRow("encoded CR") << "/a%0Db" << "guard:control-char";
        QTest::newRow("encoded LF") << "/a%0ab" << "guard:control-char";
        QTest::newRow("encoded TAB") << "/a%09" << "guard:control-char";
        QTest::newRow("encoded DEL") << "/a%7F" << "guard:control-char";
        QTest::newRow("raw NUL") << QString::fromLatin1("/a\0b", 4) << "guard:control-char";
        QTest::newRow("raw CR LF (header injection)") << "/a\r\nHost: evil" << "guard:control-char";
        QTest::newRow("raw LF") << "/a\nb" << "guard:control-char";
        QTest::newRow("raw TAB") << "/a\tb" << "guard:control-char";
        QTest::newRow("raw escape char") << "/a\x1b" << "guard:control-char";
        QTest::newRow("raw DEL") << "/a\x7f" << "guard:control-char";
        QTest::newRow("raw NEL U+0085") << "/a\u0085b" << "guard:control-char";
        QTest::newRow("encoded NEL U+0085") << "/a%C2%85b" << "guard:control-char";
        QTest::newRow("percent then letters") << "/%G1" << "guard:bad-escape";
        QTest::newRow("percent then one hex") << "/%4" << "guard:bad-escape";
        QTest::newRow("lone percent at end") << "/a%" << "guard:bad-escape";
        QTest::newRow("percent space") << "/% 20" << "guard:bad-escape";
        QTest::newRow("IIS %u encoding") << "/%u002e%u002e/x" << "guard:bad-escape";
        QTest::newRow("malformed escape inside UTF-8 run") << "/%C3%Z9" << "guard:bad-escape";
        QTest::newRow("overlong dot C0 AE") << "/%C0%AE%C0%AE/x" << "guard:bad-utf8";
        QTest::newRow("overlong slash C0 AF") << "/a%C0%AFb" << "guard:bad-utf8";
        QTest::newRow("overlong dot E0 80 AE") << "/%E0%80%AE" << "guard:bad-utf8";
        QTest::newRow("overlong dot F0 80 80 AE") << "/%F0%80%80%AE" << "guard:bad-utf8";
        QTest::newRow("overlong NUL C0 80") << "/%C0%80" << "guard:bad-utf8";
        QTest::newRow("overlong C1 BF") << "/%C1%BF" << "guard:bad-utf8";
        QTest::newRow("UTF-16 surrogate ED A0 80") << "/%ED%A0%80" << "guard:bad-utf8";
        QTest::newRow("above U+10FFFF") << "/%F4%90%80%80" << "guard:bad-utf8";
        QTest::newRow("F5 lead byte") << "/%F5%80%80%80" << "guard:bad-utf8";
        QTest::newRow("FF byte") << "/%FF" << "guard:bad-utf8";
        QTest::newRow("lone continuation byte") << "/%80" << "guard:bad-utf8";
        QTest::newRow("truncated two-byte sequence") << "/%C3" << "guard:bad-utf8";
        QTest::newRow("truncated before ASCII") << "/%C3a" << "guard:bad-utf8";
        QTest::newRow("continuation replaced by ASCII escape") << "/%C3%28" << "guard:bad-utf8";
        QTest::newRow("truncated three-byte sequence") << "/%E6%97" << "guard:bad-utf8";
        QTest::newRow("lone high surrogate in text") << QStringLiteral("/a") + QChar(0xD800) << "guard:bad-utf8";
        QTest::newRow("lone low surrogate in text") << QStringLiteral("/") + QChar(0xDC00) + QStringLiteral("x") << "guard:bad-utf8";
        QTest::newRow("raw fullwidth solidus") << "/public\uff0f..\uff0fprivate" << "guard:confusable-char";
        QTest::newRow("encoded fullwidth full stop") << "/public/%EF%BC%8E%EF%BC%8E/private" << "guard:confusable-char";
        QTest::newRow("raw fullwidth letters") << "/\uff41dmin" << "guard:confusable-char";
        QTest::newRow("one dot leader") << "/\u2024\u2024/x" << "guard:confusable-char";
        QTest::newRow("two dot leader") << "/\u2025/x" << "guard:confusable-char";
        QTest::newRow("small full stop") << "/%EF%B9%92" << "guard:confusable-char";
        QTest::newRow("no-break space") << "/a\u00a0b" << "guard:confusable-char";
        QTest::newRow("kelvin sign") << "/\u212a" << "guard:confusable-char";
        QTest::newRow("zero width space") << "/ad\u200bmin" << "guard:invisible-char";
        QTest::newRow("encoded zero width space") << "/ad%E2%80%8Bmin" << "guard:invisible-char";
        QTest::newRow("right-to-left override") << "/a\u202eb" << "guard:invisible-char";
        QTest::newRow("byte order mark") << QStringLiteral("/\uFEFFadmin") << "guard:invisible-char";
        QTest::newRow("encoded byte order mark") << "/%EF%BB%BFadmin" << "guard:invisible-char";
        QTest::newRow("encoded word joiner") << "/ad%E2%81%A0min" << "guard:invisible-char";
        QTest::newRow("soft hyphen") << "/ad\u00admin" << "guard:invisible-char";
        QTest::newRow("dot dot above root") << "/.." << "guard:dot-segment";
        QTest::newRow("dot dot above root with path") << "/../etc/passwd" << "guard:dot-segment";
        QTest::newRow("climb above root after descent") << "/a/../../etc" << "guard:dot-segment";
        QTest::newRow("climb above root via dot") << "/./.." << "guard:dot-segment";
        QTest::newRow("climb above root after collapse") << "/a//../../x" << "guard:dot-segment";
        QTest::newRow("many dot dots") << "/a/b/../../../../../etc/passwd" << "guard:dot-segment";
        QTest::newRow("over the length limit") << u'/' + QString(kMaxPathBytes, u'a') << "guard:path-length";
        QTest::newRow("over the limit in UTF-8 bytes") << u'/' + QString(kMaxPathBytes / 2, u'\u00e9')
                                                       << "guard:path-length";
        QTest::newRow("over the limit once encoded") << u'/' + QString(1000, u'\u00e9') << "guard:path-length";
        QTest::newRow("over the limit once spaces are encoded") << u'/' + QString(1000, u' ') << "guard:path-length";
    }
    void dangerousPathIsRefused()
    {
        QFETCH(QString, raw);
        QFETCH(QString, rule);
        const auto result = normalizePath(raw);
        QVERIFY2(!result.ok(), qPrintable(result.ok() ? *result : QString()));
        QCOMPARE(result.error().code, rule);
        QVERIFY(keyward::policy::isDenial(result.error()));
        QCOMPARE(keyward::policy::errorKind(result.error()), QStringLiteral("denied"));
        QCOMPARE(keyward::policy::denialRule(result.error()), rule);
        QVERIFY(result.error().message.size() > 20);
        QVERIFY(!result.error().message.contains(u'\n'));
    }

    void randomPathsKeepTheInvariants()
    {
        // Paths assembled from the pieces attacks are made of: whatever is accepted is canonical,
        // a fixed point, free of dot segments and `//`, and joins under the base.
        const QStringList pieces{QStringLiteral("/"),    QStringLiteral("."),    QStringLiteral(".."),
                                 QStringLiteral("a"),    QStringLiteral("%2E"),  QStringLiteral("%2e"),
                                 QStringLiteral("%2F"),  QStringLiteral("%25"),  QStringLiteral("%41"),
                                 QStringLiteral("%7e"),  QStringLiteral("%20"),  QStringLiteral("%C3"),
                                 QStringLiteral("%A9"),  QStringLiteral("%C0"),  QStringLiteral("%AE"),
                                 QStringLiteral("%"),    QStringLiteral("\\"), QStringLiteral(";"),
                                 QStringLiteral("?"),    QStringLiteral("@"),    QStringLiteral(":"),
                                 QStringLiteral(" "),    QStringLiteral("\u00e9"), QStringLiteral("\uff0e"),
                                 QStringLiteral("*"),    QStringLiteral("~"),    QStringLiteral("%3a")};
        QRandomGenerator random(20240601);
        const QUrl base(QStringLiteral("https://x.com/v1"));
        int accepted = 0;
        for (int i = 0; i < 20000; ++i) {
            QString raw = QStringLiteral("/");
            const int count = random.bounded(1, 12);
            for (int k = 0; k < count; ++k)
                raw += pieces.at(random.bounded(int(pieces.size())));
            const auto result = normalizePath(raw);
            if (!result.ok()) {
                QVERIFY2(result.error().code.startsWith(u"guard:"), qPrintable(raw));
                continue;
            }
            ++accepted;
            const QString &path = *result;
            QVERIFY2(path.startsWith(u'/') && !path.contains(QStringLiteral("//")), qPrintable(raw));
            const QStringList segments = path.split(u'/');
            QVERIFY2(!segments.contains(QStringLiteral(".")) && !segments.contains(QStringLiteral("..")), qPrintable(raw));
            for (const QString &banned : {QStringLiteral("%2E"), QStringLiteral("%2F"), QStringLiteral("%25"),
                                          QStringLiteral("%5C"), QStringLiteral("\\"), QStringLiteral(";"),
                                          QStringLiteral("?"), QStringLiteral("#"), QStringLiteral(" ")})
                QVERIFY2(!path.contains(banned, Qt::CaseInsensitive), qPrintable(raw));
            const auto again = normalizePath(path);
            QVERIFY2(again.ok() && *again == path, qPrintable(raw));
            const auto joined = joinUnderBase(base, path);
            QVERIFY2(joined.ok(), qPrintable(raw));
            QVERIFY(joined->path(QUrl::FullyEncoded).startsWith(QStringLiteral("/v1/")));
        }
        QVERIFY(accepted > 1000);
    }

    void pathAtTheLengthLimitIsAccepted()
    {
        const QString path = u'/' + QString(kMaxPathBytes - 1, u'a');
        const auto result = normalizePath(path);
        QVERIFY(result.ok());
        QCOMPARE(result->size(), kMaxPathBytes);
    }

    void pathShortenedUnderTheLimitIsAccepted()
    {
        // 2,048 raw bytes whose dot segments shrink it: measured before and after, both within the limit.
        const QString path = QStringLiteral("/a/./") + QString(kMaxPathBytes - 5, u'b');
        QCOMPARE(path.size(), kMaxPathBytes);
        const auto result = normalizePath(path);
        QVERIFY(result.ok());
        QCOMPARE(result->size(), kMaxPathBytes - 2);
    }

    void refusalMessageSaysWhatToDo()
    {
        const auto query = normalizePath(QStringLiteral("/users?page=2"));
        QVERIFY(query.error().message.contains(QStringLiteral("`query`")));
        const auto absolute = normalizePath(QStringLiteral("https://evil.com/x"));
        QVERIFY(absolute.error().message.contains(QStringLiteral("start")));
        const auto slash = normalizePath(QStringLiteral("/a%2Fb"));
        QVERIFY(slash.error().message.contains(QStringLiteral("%2F")));
    }

    void joinedUrlIsUnderTheBase_data()
    {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("url");

        QTest::newRow("base with prefix") << "https://x.com/v1" << "/users" << QByteArray("https://x.com/v1/users");
        QTest::newRow("base with trailing slash") << "https://x.com/v1/" << "/users" << QByteArray("https://x.com/v1/users");
        QTest::newRow("base without path") << "https://x.com" << "/users" << QByteArray("https://x.com/users");
        QTest::newRow("base with bare slash") << "https://x.com/" << "/users" << QByteArray("https://x.com/users");
        QTest::newRow("root path on prefix") << "https://x.com/v1" << "/" << QByteArray("https://x.com/v1/");
        QTest::newRow("root path on bare host") << "https://x.com" << "/" << QByteArray("https://x.com/");
        QTest::newRow("deep prefix") << "https://x.com/api/v2/" << "/a/b" << QByteArray("https://x.com/api/v2/a/b");
        QTest::newRow("port kept") << "https://x.com:8443/v1" << "/a" << QByteArray("https://x.com:8443/v1/a");
        QTest::newRow("http loopback") << "http://127.0.0.1:11434/api" << "/chat"
                                       << QByteArray("http://127.0.0.1:11434/api/chat");
        QTest::newRow("IPv6 host") << "http://[::1]:8080" << "/x" << QByteArray("http://[::1]:8080/x");
        QTest::newRow("escapes sent as normalized") << "https://x.com/v1" << "/a%20b/%C3%A9/%3F%23"
                                                    << QByteArray("https://x.com/v1/a%20b/%C3%A9/%3F%23");
        QTest::newRow("at sign stays in the path") << "https://x.com/v1" << "/user@evil.com/x"
                                                   << QByteArray("https://x.com/v1/user@evil.com/x");
        QTest::newRow("colon segment stays in the path") << "https://x.com" << "/http:/evil.com"
                                                         << QByteArray("https://x.com/http:/evil.com");
        QTest::newRow("sub-delims stay raw") << "https://x.com" << "/a!$&'()*+,=:"
                                             << QByteArray("https://x.com/a!$&'()*+,=:");
        QTest::newRow("escaped prefix kept") << "https://x.com/a%20b" << "/c" << QByteArray("https://x.com/a%20b/c");
    }
    void joinedUrlIsUnderTheBase()
    {
        QFETCH(QString, base);
        QFETCH(QString, path);
        QFETCH(QByteArray, url);
        const auto result = joinUnderBase(QUrl(base), path);
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
        QCOMPARE(result->toEncoded(), url);
        QCOMPARE(result->host(), QUrl(base).host());
        QCOMPARE(result->port(), QUrl(base).port());
        QVERIFY(result->userInfo().isEmpty());
        QVERIFY(!result->hasQuery());
    }

    void joinRefusesWhatLeavesTheBase_data()
    {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("code");

        const QString base = QStringLiteral("https://x.com/v1");
        QTest::newRow("unnormalized dot dot") << base << "/../admin" << "guard:not-normalized";
        QTest::newRow("unnormalized double slash host") << base << "//evil.com" << "guard:not-normalized";
        QTest::newRow("unnormalized encoded dot") << base << "/%2E%2E/admin" << "guard:not-normalized";
        QTest::newRow("unnormalized lowercase escape") << base << "/a%3a" << "guard:not-normalized";
        QTest::newRow("unnormalized raw space") << base << "/a b" << "guard:not-normalized";
        QTest::newRow("unnormalized query") << base << "/a?api_key=x" << "guard:not-normalized";
        QTest::newRow("unnormalized absolute URL") << base << "https://evil.com" << "guard:not-normalized";
        QTest::newRow("empty path") << base << "" << "guard:not-normalized";
        QTest::newRow("base with query") << "https://x.com/v1?k=1" << "/a" << "invalid_argument";
        QTest::newRow("base with fragment") << "https://x.com/v1#f" << "/a" << "invalid_argument";
        QTest::newRow("base with userinfo") << "https://u:p@x.com/v1" << "/a" << "invalid_argument";
        QTest::newRow("base with dot dot") << "https://x.com/v1/../admin" << "/a" << "invalid_argument";
        QTest::newRow("base not http") << "ftp://x.com/v1" << "/a" << "invalid_argument";
        QTest::newRow("base without host") << "https:///v1" << "/a" << "invalid_argument";
        QTest::newRow("base relative") << "/v1" << "/a" << "invalid_argument";
        QTest::newRow("base empty") << "" << "/a" << "invalid_argument";
    }
    void joinRefusesWhatLeavesTheBase()
    {
        QFETCH(QString, base);
        QFETCH(QString, path);
        QFETCH(QString, code);
        const auto result = joinUnderBase(QUrl(base), path);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, code);
    }

    void normalizedThenJoinedKeepsPrefixOnSegmentBoundary_data()
    {
        QTest::addColumn<QString>("raw");
        QTest::addColumn<QByteArray>("url");

        QTest::newRow("sibling prefix cannot be reached") << "/../v10/x" << QByteArray();
        QTest::newRow("climb inside stays inside") << "/a/../b" << QByteArray("https://x.com/v1/b");
        QTest::newRow("dot dot to the prefix itself") << "/a/.." << QByteArray("https://x.com/v1/");
        QTest::newRow("collapsed host stays a path") << "/.//evil.com" << QByteArray("https://x.com/v1/evil.com");
    }
    void normalizedThenJoinedKeepsPrefixOnSegmentBoundary()
    {
        QFETCH(QString, raw);
        QFETCH(QByteArray, url);
        const auto normalized = normalizePath(raw);
        if (url.isEmpty()) {
            QVERIFY(!normalized.ok());
            return;
        }
        QVERIFY(normalized.ok());
        const auto joined = joinUnderBase(QUrl(QStringLiteral("https://x.com/v1")), *normalized);
        QVERIFY(joined.ok());
        QCOMPARE(joined->toEncoded(), url);
    }
};

QTEST_APPLESS_MAIN(TestPathNormalizer)
#include "tst_pathnormalizer.moc"
