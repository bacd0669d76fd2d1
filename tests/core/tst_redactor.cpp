// Redactor: every encoding of a secret is scrubbed, in whole buffers and in streams cut anywhere,
// and nothing else changes. Encodings are produced here by independent means (Qt's base64 and
// percent-encoding, nlohmann::json, hand-written serializer output), not by the redactor's code.

#include "upstream/redactor.h"

#include <QRandomGenerator>
#include <QUrl>
#include <QtTest>

#include <nlohmann/json.hpp>

using keyward::Redactor;

namespace {

const QString kService = QStringLiteral("github");
const QByteArray kMarker = "[REDACTED:github]";

// 40 bytes of plain ASCII, like most API keys.
const QByteArray kApiKey = "sk-proj-4fQ9xZ2mN7pL0aB3cD6eF8gH1iJ5kKq2";
// Characters that URL encoders treat differently.
const QByteArray kReserved = "ab/cd+ef=gh&ij?kl mn#op%qr~s.t_u-v";
// Characters that JSON serializers escape.
const QByteArray kJsonish = "p\"q\\r/s\tt\x01u\nv\x1fw";
// Non-ASCII UTF-8: Latin-1 range, BMP and an astral character (a surrogate pair in JSON).
const QByteArray kUnicode = QByteArrayLiteral("p\xC3\xA4ssw\xC3\xB6rd-\xE2\x82\xAC-\xF0\x9F\x98\x80-key");
// Binary with NUL and high bytes, and one whose base64 holds '+' and '/' (std) vs '-' and '_' (url).
const QByteArray kBinary = QByteArray("\x00\xff\x10\x80" "ab\x00\xfe\x7f", 9);
const QByteArray kPlusSlash = QByteArray("\xfb\xef\xbe\xfb\xff\xbf\x00\x01", 8);
const QByteArray kGsonish = "a<b>c&d=e'f-html-safe";
// 60 bytes with the characters base64, URL and form encoders treat specially.
const QByteArray kLongKey = "sk-ant-api03-Zx9/Qw+7Lm=Rt5Ky2Hb8Nc4Vd6Fg1Jp3Ws0Xe7Ua9Io2PqT";

QByteArray b64(const QByteArray &data, bool url, bool pad)
{
    QByteArray::Base64Options options = url ? QByteArray::Base64UrlEncoding : QByteArray::Base64Encoding;
    if (!pad)
        options |= QByteArray::OmitTrailingEquals;
    return data.toBase64(options);
}

QByteArray percentEveryByte(const QByteArray &data, bool upper)
{
    QByteArray out;
    for (const char c : data) {
        QByteArray hex = QByteArray(1, c).toHex();
        out += '%' + (upper ? hex.toUpper() : hex);
    }
    return out;
}

QByteArray lowerHexEscapes(QByteArray encoded, char escapeStart)
{
    for (qsizetype i = 0; i < encoded.size(); ++i) {
        if (encoded[i] == escapeStart) {
            const qsizetype digits = escapeStart == '%' ? 2 : 4;
            for (qsizetype j = i + 1; j <= i + digits && j < encoded.size(); ++j)
                encoded[j] = char(QChar::toLower(char16_t(encoded[j])));
        }
    }
    return encoded;
}

// Form encoding: space as '+', every other non-unreserved byte as %XX.
QByteArray formEncode(const QByteArray &data)
{
    return QUrl::toPercentEncoding(QString::fromLatin1(data), " ").replace(' ', '+');
}

// The body of a JSON string (quotes stripped) as nlohmann::json writes it.
QByteArray nlohmannDump(const QByteArray &utf8, bool ensureAscii)
{
    const std::string dumped = nlohmann::json(utf8.toStdString()).dump(-1, ' ', ensureAscii);
    return QByteArray::fromStdString(dumped.substr(1, dumped.size() - 2));
}

// Every UTF-16 unit as \uXXXX, in the given hex case.
QByteArray jsonEveryCharEscaped(const QByteArray &utf8, bool upper)
{
    QByteArray out;
    for (const QChar unit : QString::fromUtf8(utf8)) {
        const QByteArray hex = QByteArray::number(unit.unicode(), 16).rightJustified(4, '0');
        out += "\\u" + (upper ? hex.toUpper() : hex);
    }
    return out;
}

QByteArray randomBytes(QRandomGenerator &random, qsizetype size)
{
    QByteArray out(size, Qt::Uninitialized);
    for (char &c : out)
        c = char(random.bounded(256));
    return out;
}

QByteArray randomText(QRandomGenerator &random, qsizetype size)
{
    static const QByteArray alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789 {}\":,.\n";
    QByteArray out(size, Qt::Uninitialized);
    for (char &c : out)
        c = alphabet[random.bounded(alphabet.size())];
    return out;
}

QByteArray redactInChunks(const Redactor &redactor, const QByteArray &data, const QList<qsizetype> &cuts)
{
    Redactor::Stream stream = redactor.stream();
    QByteArray out;
    qsizetype from = 0;
    for (const qsizetype cut : cuts) {
        out += stream.feed(data.mid(from, cut - from));
        from = cut;
    }
    out += stream.feed(data.mid(from));
    out += stream.finish();
    return out;
}

} // namespace

class TestRedactor : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void eachEncodingIsReplaced_data();
    void eachEncodingIsReplaced();
    void base64InsideLongerTextIsReplacedAtEveryAlignment_data();
    void base64InsideLongerTextIsReplacedAtEveryAlignment();
    void jwtPayloadNoLongerDecodesToTheSecret();
    void positionsAndRepetitions_data();
    void positionsAndRepetitions();
    void basicAuthPasswordAndPairAreBothReplaced();
    void unrelatedBytesAreLeftIdentical_data();
    void unrelatedBytesAreLeftIdentical();
    void containsSecret_data();
    void containsSecret();
    void splitAtEveryPositionEqualsWholeRedaction_data();
    void splitAtEveryPositionEqualsWholeRedaction();
    void largeBodyInRandomChunksEqualsWholeRedaction();
    void sseEventsWithoutASecretPrefixAreReleasedWhole();
    void chunkEndingInAPrefixOfAFormHoldsBackExactlyThatPrefix_data();
    void chunkEndingInAPrefixOfAFormHoldsBackExactlyThatPrefix();
    void base64PrefixInsideLongerTextHoldsBackFromItsEdgeCharacter();
    void incompleteEscapeIsHeldBackUntilItEnds();
    void randomBodiesInRandomChunksEqualWholeRedaction();
    void streamIsReusableAfterFinish();
    void emptyInputGivesEmptyOutput();
    void emptySecretsAreIgnored();
    void shortSecretSplitAtEveryPositionEqualsWholeRedaction_data();
    void shortSecretSplitAtEveryPositionEqualsWholeRedaction();
    void oneByteSecretIsReplacedEverywhere();
    void markerNamesTheService();
};

void TestRedactor::eachEncodingIsReplaced_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QByteArray>("encoded");

    QTest::newRow("raw api key") << kApiKey << kApiKey;
    QTest::newRow("raw reserved chars") << kReserved << kReserved;
    QTest::newRow("raw binary with NUL and high bytes") << kBinary << kBinary;
    QTest::newRow("raw UTF-8") << kUnicode << kUnicode;

    QTest::newRow("hex lowercase") << kApiKey << kApiKey.toHex();
    QTest::newRow("hex uppercase") << kApiKey << kApiKey.toHex().toUpper();
    QTest::newRow("hex lowercase binary") << kBinary << kBinary.toHex();
    QTest::newRow("hex uppercase binary") << kBinary << kBinary.toHex().toUpper();

    QTest::newRow("base64 padded") << kApiKey << b64(kApiKey, false, true);
    QTest::newRow("base64 unpadded") << kApiKey << b64(kApiKey, false, false);
    QTest::newRow("base64url padded") << kApiKey << b64(kApiKey, true, true);
    QTest::newRow("base64url unpadded") << kApiKey << b64(kApiKey, true, false);
    QTest::newRow("base64 one padding char") << kApiKey.left(38) << b64(kApiKey.left(38), false, true);
    QTest::newRow("base64 no padding needed") << kApiKey.left(39) << b64(kApiKey.left(39), false, true);
    QTest::newRow("base64 with + and /") << kPlusSlash << b64(kPlusSlash, false, true);
    QTest::newRow("base64url with - and _") << kPlusSlash << b64(kPlusSlash, true, false);
    QTest::newRow("base64 binary") << kBinary << b64(kBinary, false, true);
    QTest::newRow("base64 UTF-8") << kUnicode << b64(kUnicode, false, true);

    QTest::newRow("percent every byte uppercase hex") << kReserved << percentEveryByte(kReserved, true);
    QTest::newRow("percent every byte lowercase hex") << kReserved << percentEveryByte(kReserved, false);
    QTest::newRow("percent every byte of plain api key") << kApiKey << percentEveryByte(kApiKey, true);
    QTest::newRow("percent non-unreserved only (QUrl)") << kReserved << QUrl::toPercentEncoding(QString::fromLatin1(kReserved));
    QTest::newRow("percent non-unreserved only lowercase hex") << kReserved
                                                               << lowerHexEscapes(QUrl::toPercentEncoding(QString::fromLatin1(kReserved)), '%');
    QTest::newRow("percent mixed hex case") << QByteArray("a/b/c/d?e") << QByteArray("a%2Fb%2fc%2Fd%3fe");
    QTest::newRow("percent only slash encoded") << kReserved << QByteArray(kReserved).replace("/", "%2F");
    QTest::newRow("form encoding plus for space") << kReserved << formEncode(kReserved);
    QTest::newRow("rfc3986 space as %20 and literal plus")
        << kReserved << QByteArray("ab%2Fcd+ef%3Dgh%26ij%3Fkl%20mn%23op%25qr~s.t_u-v");
    QTest::newRow("percent binary every byte") << kBinary << percentEveryByte(kBinary, false);
    QTest::newRow("percent UTF-8 (QUrl)") << kUnicode << QUrl::toPercentEncoding(QString::fromUtf8(kUnicode));
    QTest::newRow("percent-encoded base64") << kApiKey << QUrl::toPercentEncoding(QString::fromLatin1(b64(kApiKey, false, true)));
    QTest::newRow("base64 with literal plus and encoded slash")
        << kPlusSlash << b64(kPlusSlash, false, true).replace("/", "%2F").replace("=", "%3d");
    QTest::newRow("form-encoded base64") << kPlusSlash << formEncode(b64(kPlusSlash, false, true));

    QTest::newRow("json nlohmann dump of control chars") << kJsonish << nlohmannDump(kJsonish, false);
    QTest::newRow("json nlohmann dump ensure_ascii") << kUnicode << nlohmannDump(kUnicode, true);
    QTest::newRow("json python ensure_ascii (hand-written)")
        << kUnicode << QByteArray("p\\u00e4ssw\\u00f6rd-\\u20ac-\\ud83d\\ude00-key");
    QTest::newRow("json python escapes control chars (hand-written)")
        << kJsonish << QByteArray("p\\\"q\\\\r/s\\tt\\u0001u\\nv\\u001fw");
    QTest::newRow("json JSON.stringify keeps UTF-8 raw (hand-written)")
        << (kUnicode + QByteArray("\x01", 1)) << (kUnicode + "\\u0001");
    QTest::newRow("json php escaped slashes (hand-written)")
        << kJsonish << QByteArray("p\\\"q\\\\r\\/s\\tt\\u0001u\\nv\\u001fw");
    QTest::newRow("json gson html-safe escapes (hand-written)")
        << kGsonish << QByteArray("a\\u003cb\\u003ec\\u0026d\\u003de\\u0027f-html-safe");
    QTest::newRow("json every char escaped lowercase hex") << kApiKey << jsonEveryCharEscaped(kApiKey, false);
    QTest::newRow("json every char escaped uppercase hex") << kApiKey << jsonEveryCharEscaped(kApiKey, true);
    QTest::newRow("json every UTF-8 char escaped uppercase hex") << kUnicode << jsonEveryCharEscaped(kUnicode, true);
    QTest::newRow("json surrogate pair mixed hex case")
        << kUnicode << QByteArray("p\\u00E4ssw\\u00f6rd-\\u20AC-\\uD83D\\ude00-key");
    QTest::newRow("json base64 with escaped slashes") << kPlusSlash << b64(kPlusSlash, false, true).replace("/", "\\/");
    QTest::newRow("json escaped slash in reserved secret") << kReserved << QByteArray(kReserved).replace("/", "\\/");
}

void TestRedactor::eachEncodingIsReplaced()
{
    QFETCH(QByteArray, secret);
    QFETCH(QByteArray, encoded);
    const Redactor redactor({secret}, kService);
    const QByteArray before = "{\"echo\":\"";
    const QByteArray after = "\",\"n\":1}";
    const QByteArray input = before + encoded + after;
    const QByteArray output = redactor.redact(input);
    QCOMPARE(output, before + kMarker + after);
    QVERIFY(redactor.containsSecret(input));
    QVERIFY(!redactor.containsSecret(output));
    QCOMPARE(redactor.redact(encoded), kMarker);
}

void TestRedactor::base64InsideLongerTextIsReplacedAtEveryAlignment_data()
{
    QTest::addColumn<int>("offset");
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("suffix");
    QTest::addColumn<bool>("url");

    for (const int length : {4, 5, 6, 40, 41, 42}) {
        for (int offset = 0; offset <= 5; ++offset) {
            for (const bool url : {false, true}) {
                const int suffix = (offset * 7 + length + (url ? 1 : 0)) % 4;
                const QByteArray name = QByteArray(url ? "base64url" : "base64") + " secret of " + QByteArray::number(length)
                                        + " bytes at offset " + QByteArray::number(offset) + " then "
                                        + QByteArray::number(suffix) + " bytes";
                QTest::newRow(name.constData()) << offset << length << suffix << url;
            }
        }
    }
}

void TestRedactor::base64InsideLongerTextIsReplacedAtEveryAlignment()
{
    QFETCH(int, offset);
    QFETCH(int, length);
    QFETCH(int, suffix);
    QFETCH(bool, url);

    QRandomGenerator random(quint32(1000 * length + 10 * offset + suffix));
    const QByteArray secret = randomBytes(random, length);
    const QByteArray whole = randomBytes(random, offset) + secret + randomBytes(random, suffix);
    const QByteArray encoded = b64(whole, url, true);

    const Redactor redactor({secret}, kService);
    const QByteArray output = redactor.redact(encoded);

    // Exactly the characters carrying a bit of the secret are gone; the padding goes only with the
    // standalone form.
    const qsizetype first = 8 * offset / 6;
    qsizetype end = (8 * (offset + length) + 5) / 6;
    if (offset == 0 && suffix == 0)
        end = encoded.size();
    QCOMPARE(output, encoded.left(first) + kMarker + encoded.mid(end));

    // What is left, with the gap filled by any base64, no longer decodes to the secret.
    for (const char filler : {'A', '/', 'g'}) {
        QByteArray refilled = output;
        refilled.replace(kMarker, QByteArray(end - first, url && filler == '/' ? '_' : filler));
        const QByteArray decoded = QByteArray::fromBase64(refilled, url ? QByteArray::Base64UrlEncoding : QByteArray::Base64Encoding);
        QVERIFY(!decoded.contains(secret));
    }
    QVERIFY(!redactor.containsSecret(output));
}

void TestRedactor::jwtPayloadNoLongerDecodesToTheSecret()
{
    const Redactor redactor({kApiKey}, kService);
    for (int pad = 0; pad < 6; ++pad) {
        const QByteArray payload = "{\"sub\":\"agent" + QByteArray(pad, 'x') + "\",\"key\":\"" + kApiKey + "\",\"iat\":1}";
        const QByteArray jwt = "eyJhbGciOiJIUzI1NiJ9." + b64(payload, true, false) + ".c2lnbmF0dXJl";
        const QByteArray output = redactor.redact(jwt);
        QVERIFY(output.contains(kMarker));
        QVERIFY(output.startsWith("eyJhbGciOiJIUzI1NiJ9."));
        QVERIFY(output.endsWith(".c2lnbmF0dXJl"));
        QVERIFY(!redactor.containsSecret(output));
        const QByteArray body = output.split('.').at(1);
        const qsizetype gap = jwt.size() - (output.size() - kMarker.size());
        QByteArray refilled = body;
        refilled.replace(kMarker, QByteArray(gap, 'A'));
        QVERIFY(!QByteArray::fromBase64(refilled, QByteArray::Base64UrlEncoding).contains(kApiKey));
    }
}

void TestRedactor::positionsAndRepetitions_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("secret is the whole input") << kApiKey << kApiKey << kMarker;
    QTest::newRow("secret at start") << kApiKey << kApiKey + " tail" << kMarker + " tail";
    QTest::newRow("secret at end") << kApiKey << "head " + kApiKey << "head " + kMarker;
    QTest::newRow("two occurrences") << kApiKey << "a " + kApiKey + " b " + kApiKey << "a " + kMarker + " b " + kMarker;
    QTest::newRow("adjacent occurrences get one marker each") << QByteArray("abcd") << QByteArray("abcdabcd")
                                                              << kMarker + kMarker;
    QTest::newRow("overlapping occurrences get one marker") << QByteArray("abab") << QByteArray("xababab y")
                                                            << "x" + kMarker + " y";
    QTest::newRow("chain of overlaps gets one marker") << QByteArray("aaaa") << QByteArray("-aaaaaaaaaa-")
                                                       << "-" + kMarker + "-";
    QTest::newRow("raw next to its base64") << kApiKey << kApiKey + b64(kApiKey, false, true) << kMarker + kMarker;
    QTest::newRow("binary secret whole input") << kBinary << kBinary << kMarker;
    QTest::newRow("secret inside NUL padding") << kBinary << QByteArray(5, '\0') + kBinary + QByteArray(5, '\0')
                                               << QByteArray(5, '\0') + kMarker + QByteArray(5, '\0');
    QTest::newRow("percent escape cut by the end of input") << QByteArray("a/b%4")
                                                            << QByteArray("x a%2Fb%4") << "x " + kMarker;
    QTest::newRow("json escape cut by the end of input") << QByteArray("a/b\\u12")
                                                         << QByteArray("x a\\/b\\u12") << "x " + kMarker;
    QTest::newRow("escape at the start of the secret then a long tail")
        << kApiKey << "%73" + kApiKey.mid(1) + QByteArray(300, 'z') << kMarker + QByteArray(300, 'z');
    QTest::newRow("json escapes then a long tail") << kUnicode << nlohmannDump(kUnicode, true) + QByteArray(300, 'z')
                                                   << kMarker + QByteArray(300, 'z');
    QTest::newRow("long head then an escape at the end of the secret")
        << kApiKey << QByteArray(300, 'z') + kApiKey.chopped(1) + "%32" << QByteArray(300, 'z') + kMarker;
    QTest::newRow("escape in the middle of the secret inside long literal runs")
        << kApiKey << QByteArray(300, 'z') + kApiKey.left(20) + "\\u00" + kApiKey.mid(20, 1).toHex() + kApiKey.mid(21) + QByteArray(300, 'z')
        << QByteArray(300, 'z') + kMarker + QByteArray(300, 'z');
    QTest::newRow("lone high surrogate does not hide what follows") << kApiKey << "\\ud83d" + jsonEveryCharEscaped(kApiKey, false)
                                                                    << "\\ud83d" + kMarker;
}

void TestRedactor::positionsAndRepetitions()
{
    QFETCH(QByteArray, secret);
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);
    const Redactor redactor({secret}, kService);
    QCOMPARE(redactor.redact(input), expected);
    for (qsizetype cut = 0; cut <= input.size(); ++cut)
        QCOMPARE(redactInChunks(redactor, input, {cut}), expected);
}

void TestRedactor::basicAuthPasswordAndPairAreBothReplaced()
{
    const QByteArray password = "pa55-w0rd!";
    const QByteArray pair = "octocat:" + password;
    const Redactor redactor({password, pair}, kService);

    const QByteArray reflected = "Authorization: Basic " + pair.toBase64() + "\r\nX-Echo: " + password
                                 + "\r\nX-Url: ?u=" + QUrl::toPercentEncoding(QString::fromLatin1(pair)) + "\r\n";
    const QByteArray expected = "Authorization: Basic " + kMarker + "\r\nX-Echo: " + kMarker + "\r\nX-Url: ?u=" + kMarker + "\r\n";
    QCOMPARE(redactor.redact(reflected), expected);

    // The pair inside a longer base64 blob, at each alignment.
    for (int offset = 0; offset < 3; ++offset) {
        const QByteArray blob = QByteArray(QByteArray(offset, '#') + "Basic " + pair + " end").toBase64();
        const QByteArray output = redactor.redact(blob);
        QVERIFY(output.contains(kMarker));
        QVERIFY(!redactor.containsSecret(output));
    }
}

void TestRedactor::unrelatedBytesAreLeftIdentical_data()
{
    QTest::addColumn<QByteArray>("input");

    QRandomGenerator random(42);
    QTest::newRow("plain text") << QByteArray("Hello, world. Nothing secret here.\n");
    QTest::newRow("json with every escape") << QByteArray(R"({"a":"x\"y\\z\/w\b\f\n\r\t\u0041\u00e9\ud83d\ude00","b":[1,2]})");
    QTest::newRow("url with percent escapes and plus") << QByteArray("https://x/y?q=a+b&r=%2F%2f%20%zz%4&s=100%");
    QTest::newRow("broken escapes") << QByteArray("\\u12G4 \\x \\ud800 \\udc00 % %G %4");
    QTest::newRow("secret minus its last byte") << kApiKey.chopped(1);
    QTest::newRow("secret with last byte changed") << kApiKey.chopped(1) + "3";
    QTest::newRow("secret in another case") << kApiKey.toUpper();
    QTest::newRow("hex of secret minus one digit") << kApiKey.toHex().chopped(1);
    QTest::newRow("base64 of a different key") << QByteArray("sk-proj-000000000000000000000000000000000000").toBase64();
    QTest::newRow("random binary 64 KiB") << randomBytes(random, 64 * 1024);
    QTest::newRow("random base64 16 KiB") << randomBytes(random, 12 * 1024).toBase64();
    QTest::newRow("random text 64 KiB") << randomText(random, 64 * 1024);
    QTest::newRow("NUL bytes") << QByteArray(1000, '\0');
}

void TestRedactor::unrelatedBytesAreLeftIdentical()
{
    QFETCH(QByteArray, input);
    const Redactor redactor({kApiKey, kBinary, kUnicode}, kService);
    QCOMPARE(redactor.redact(input), input);
    QVERIFY(!redactor.containsSecret(input));

    QRandomGenerator random(7);
    QList<qsizetype> cuts;
    for (qsizetype at = random.bounded(50); at < input.size(); at += 1 + random.bounded(5000))
        cuts.append(at);
    QCOMPARE(redactInChunks(redactor, input, cuts), input);
}

void TestRedactor::containsSecret_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("expected");

    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("clean text") << QByteArray("all clear") << false;
    QTest::newRow("near miss") << kApiKey.chopped(1) << false;
    QTest::newRow("raw") << "x" + kApiKey << true;
    QTest::newRow("base64url in a JWT") << "eyJ9." + b64("{\"k\":\"" + kApiKey + "\"}", true, false) << true;
    QTest::newRow("json escaped") << jsonEveryCharEscaped(kApiKey, false) << true;
    QTest::newRow("percent encoded") << percentEveryByte(kApiKey, true) << true;
    QTest::newRow("hex at the very end") << "id=" + kApiKey.toHex() << true;
    QTest::newRow("marker only") << kMarker << false;
}

void TestRedactor::containsSecret()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, expected);
    const Redactor redactor({kApiKey}, kService);
    QCOMPARE(redactor.containsSecret(input), expected);
    QCOMPARE(redactor.redact(input) != input, expected);
}

void TestRedactor::splitAtEveryPositionEqualsWholeRedaction_data()
{
    QTest::addColumn<QByteArray>("input");

    const QByteArray pair = "octocat:" + kApiKey;
    QTest::newRow("json echo of every encoding")
        << "{\"headers\":{\"authorization\":\"Basic " + pair.toBase64() + "\"},\"url\":\"https:\\/\\/x\\/?k="
               + QUrl::toPercentEncoding(QString::fromLatin1(kApiKey)) + "\",\"echo\":\"" + jsonEveryCharEscaped(kApiKey, true)
               + "\",\"hex\":\"" + kApiKey.toHex() + "\",\"jwt\":\"eyJ9." + b64("{\"k\":\"" + kApiKey + "\"}", true, false)
               + "\"}";
    QTest::newRow("query string with form encoding") << "a=1&key=" + formEncode(kReserved) + "&b=" + percentEveryByte(kReserved, false) + "&c=2";
    QTest::newRow("unicode json escapes") << "[\"" + nlohmannDump(kUnicode, true) + "\",\"" + jsonEveryCharEscaped(kUnicode, false) + "\"]";
    QTest::newRow("binary body") << QByteArray(3, '\xff') + kBinary + QByteArray("\x00\x01", 2) + kBinary.toHex() + b64(kBinary, false, true);
    QTest::newRow("overlapping and adjacent") << kApiKey + kApiKey + "x" + kApiKey.left(20) + kApiKey;
    QTest::newRow("near misses only") << kApiKey.chopped(1) + "%" + kApiKey.toHex().chopped(1) + "\\u00" + b64(kApiKey, false, false).chopped(2);
    QTest::newRow("hex of the longest secret") << "id=" + pair.toHex() + "&x=" + pair.toHex().toUpper();
    QTest::newRow("base64 at alignments") << QByteArray(QByteArray("#") + kApiKey + "##" + kApiKey + "###" + kApiKey).toBase64();
}

void TestRedactor::splitAtEveryPositionEqualsWholeRedaction()
{
    QFETCH(QByteArray, input);
    const Redactor redactor({kApiKey, "octocat:" + kApiKey, kReserved, kUnicode, kBinary}, kService);
    const QByteArray whole = redactor.redact(input);
    QVERIFY(!redactor.containsSecret(whole));

    for (qsizetype cut = 0; cut <= input.size(); ++cut)
        QCOMPARE(redactInChunks(redactor, input, {cut}), whole);

    QList<qsizetype> everyByte;
    for (qsizetype at = 1; at < input.size(); ++at)
        everyByte.append(at);
    QCOMPARE(redactInChunks(redactor, input, everyByte), whole);

    QRandomGenerator random(quint32(input.size()));
    for (int round = 0; round < 200; ++round) {
        QList<qsizetype> cuts;
        for (qsizetype at = random.bounded(8); at < input.size(); at += 1 + random.bounded(24))
            cuts.append(at);
        QCOMPARE(redactInChunks(redactor, input, cuts), whole);
    }
}

void TestRedactor::largeBodyInRandomChunksEqualsWholeRedaction()
{
    const Redactor redactor({kApiKey, kUnicode}, kService);
    const QList<QByteArray> forms = {kApiKey, b64(kApiKey, false, true), kApiKey.toHex(), jsonEveryCharEscaped(kApiKey, false),
                                     percentEveryByte(kApiKey, true), nlohmannDump(kUnicode, true), kUnicode};
    QRandomGenerator random(2024);
    QByteArray body;
    int planted = 0;
    while (body.size() < 2 * 1024 * 1024) {
        body += randomText(random, random.bounded(20000));
        body += forms[random.bounded(forms.size())];
        ++planted;
    }
    const QByteArray whole = redactor.redact(body);
    QCOMPARE(whole.count(kMarker), planted);
    QVERIFY(!redactor.containsSecret(whole));

    QList<qsizetype> cuts;
    for (qsizetype at = random.bounded(100); at < body.size(); at += 1 + random.bounded(70000))
        cuts.append(at);
    QCOMPARE(redactInChunks(redactor, body, cuts), whole);
}

void TestRedactor::sseEventsWithoutASecretPrefixAreReleasedWhole()
{
    const Redactor redactor({kLongKey}, kService);
    QVERIFY(redactor.longestPattern() >= 2 * kLongKey.size());
    const QList<QByteArray> events = {
        "data: {\"delta\":\"hello\"}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
        "\"delta\":{\"type\":\"text_delta\",\"text\":\" world, line\\nbreak \\\"quoted\\\" 100% / + =\"}}\n\n",
        "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"abc\"}}]}\n\n",
        ": keep-alive\n\n",
        "data: [DONE]\n\n",
    };
    Redactor::Stream stream = redactor.stream();
    for (const QByteArray &event : events) {
        QCOMPARE(stream.feed(event), event);
        QCOMPARE(stream.heldBack(), 0);
    }
    QCOMPARE(stream.finish(), QByteArray());
}

void TestRedactor::chunkEndingInAPrefixOfAFormHoldsBackExactlyThatPrefix_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QByteArray>("form");

    QTest::newRow("raw") << kLongKey << kLongKey;
    QTest::newRow("hex lowercase (the longest pattern)") << kLongKey << kLongKey.toHex();
    QTest::newRow("hex uppercase") << kLongKey << kLongKey.toHex().toUpper();
    QTest::newRow("base64") << kLongKey << b64(kLongKey, false, true);
    QTest::newRow("base64url") << kLongKey << b64(kLongKey, true, false);
    QTest::newRow("base64 padded of 58 bytes") << kLongKey.left(58) << b64(kLongKey.left(58), false, true);
    QTest::newRow("percent every byte") << kLongKey << percentEveryByte(kLongKey, true);
    QTest::newRow("percent non-unreserved only (QUrl)") << kLongKey << QUrl::toPercentEncoding(QString::fromLatin1(kLongKey));
    QTest::newRow("form encoding") << kReserved << formEncode(kReserved);
    QTest::newRow("json every char escaped") << kLongKey << jsonEveryCharEscaped(kLongKey, false);
    QTest::newRow("json surrogate pairs") << kUnicode << jsonEveryCharEscaped(kUnicode, true);
    QTest::newRow("json nlohmann dump") << kJsonish << nlohmannDump(kJsonish, false);
}

void TestRedactor::chunkEndingInAPrefixOfAFormHoldsBackExactlyThatPrefix()
{
    QFETCH(QByteArray, secret);
    QFETCH(QByteArray, form);
    const Redactor redactor({secret}, kService);
    // No byte of the head can be part of a form: '"' is in no secret used here and in no encoding.
    const QByteArray head = "data: {\"echo\":\"";
    for (qsizetype k = 1; k < form.size(); ++k) {
        Redactor::Stream stream = redactor.stream();
        const QByteArray released = stream.feed(head + form.left(k));
        QCOMPARE(released, head);
        QCOMPARE(stream.heldBack(), k);
        QVERIFY(stream.heldBack() <= 6 * (redactor.longestPattern() - 1));
        QByteArray streamed = released + stream.feed(form.mid(k) + "\"}\n\n");
        streamed += stream.finish();
        QCOMPARE(streamed, head + kMarker + "\"}\n\n");
    }
    if (form == secret.toHex()) {
        // The hex form is the longest pattern: this is the most plain text a stream holds back.
        QCOMPARE(form.size(), redactor.longestPattern());
        Redactor::Stream stream = redactor.stream();
        stream.feed(head + form.chopped(1));
        QCOMPARE(stream.heldBack(), redactor.longestPattern() - 1);
    }
}

void TestRedactor::base64PrefixInsideLongerTextHoldsBackFromItsEdgeCharacter()
{
    // Inside longer base64 the occurrence starts at the character holding the secret's first bit
    // (shared with the byte before at alignments 1 and 2): the stream holds back from there.
    const Redactor redactor({kLongKey}, kService);
    const QByteArray head = "Authorization: Basic ";
    for (int offset = 0; offset < 3; ++offset) {
        for (const bool url : {false, true}) {
            const QByteArray encoded = b64(QByteArray(offset, '#') + kLongKey + "#!", url, true);
            const qsizetype first = 8 * offset / 6;                             // shares bits with the secret
            const qsizetype fullEnd = 8 * (offset + kLongKey.size()) / 6;       // after the last character inside it
            for (qsizetype k = first + 1; k < fullEnd; ++k) {
                Redactor::Stream stream = redactor.stream();
                const QByteArray released = stream.feed(head + encoded.left(k));
                QCOMPARE(released, head + encoded.left(first));
                QCOMPARE(stream.heldBack(), k - first);
                QByteArray streamed = released + stream.feed(encoded.mid(k) + "\r\n");
                streamed += stream.finish();
                QCOMPARE(streamed, redactor.redact(head + encoded + "\r\n"));
            }
        }
    }
}

void TestRedactor::incompleteEscapeIsHeldBackUntilItEnds()
{
    // With a one-byte secret no pattern is longer than a byte, yet an escape that could decode to
    // it is held back until it is complete.
    const Redactor redactor({QByteArray("q")}, kService);
    const QList<QByteArray> partials = {"%", "%7", "\\", "\\u", "\\u0", "\\u00", "\\u007"};
    for (const QByteArray &partial : partials) {
        Redactor::Stream stream = redactor.stream();
        QCOMPARE(stream.feed("ab" + partial), QByteArray("ab"));
        QCOMPARE(stream.heldBack(), partial.size());
        QByteArray rest = stream.feed("z");
        rest += stream.finish();
        QCOMPARE(rest, partial + "z");
    }
    Redactor::Stream stream = redactor.stream();
    QCOMPARE(stream.feed("ab\\ud83d"), QByteArray("ab"));
    QCOMPARE(stream.heldBack(), 6);
    QByteArray rest = stream.feed("\\u0071");
    rest += stream.finish();
    QCOMPARE(rest, "\\ud83d" + kMarker);
}

void TestRedactor::randomBodiesInRandomChunksEqualWholeRedaction()
{
    // Bodies made of escape characters, base64 text and whole, cut and re-encoded forms of the
    // secrets; cut at random. Every prefix released must already be a prefix of the whole result.
    const QByteArray pair = "octocat:" + kLongKey;
    const Redactor redactor({kLongKey, pair, QByteArray("ab%"), kUnicode}, kService);
    const QList<QByteArray> forms = {kLongKey, kLongKey.toHex(), kLongKey.toHex().toUpper(), b64(kLongKey, false, true),
                                     b64(kLongKey, true, false), b64("x" + pair, false, false), b64("xy" + kLongKey, true, false),
                                     percentEveryByte(kLongKey, false), QUrl::toPercentEncoding(QString::fromLatin1(kLongKey)),
                                     formEncode(pair), jsonEveryCharEscaped(kLongKey, true), jsonEveryCharEscaped(kUnicode, false),
                                     nlohmannDump(kUnicode, true), QByteArray("ab%25"), QByteArray("a\\u0062%")};
    static const QByteArray noise = "%\\u+/=\"AQgw09_-abcdefxyz \n";
    QRandomGenerator random(20261126);
    for (int round = 0; round < 2000; ++round) {
        QByteArray body;
        const int parts = 1 + random.bounded(12);
        for (int part = 0; part < parts; ++part) {
            for (int n = random.bounded(40); n > 0; --n)
                body += noise[random.bounded(noise.size())];
            QByteArray form = forms[random.bounded(forms.size())];
            switch (random.bounded(4)) {
            case 0: form.truncate(random.bounded(form.size())); break; // a near miss
            case 1: form += form.left(random.bounded(form.size())); break; // overlapping repeat
            default: break;
            }
            body += form;
        }
        const QByteArray whole = redactor.redact(body);

        Redactor::Stream stream = redactor.stream();
        QByteArray streamed;
        qsizetype from = 0;
        while (from < body.size()) {
            const qsizetype size = random.bounded(3) == 0 ? random.bounded(4) : random.bounded(80);
            streamed += stream.feed(body.mid(from, size));
            from += size;
            if (!whole.startsWith(streamed))
                QFAIL(qPrintable("round " + QString::number(round) + " released more than the whole redaction allows"));
        }
        streamed += stream.finish();
        QCOMPARE(streamed, whole);
    }
}

void TestRedactor::streamIsReusableAfterFinish()
{
    const Redactor redactor({kApiKey}, kService);
    Redactor::Stream stream = redactor.stream();
    QByteArray first = stream.feed("a " + kApiKey.left(10));
    first += stream.feed(kApiKey.mid(10));
    first += stream.finish();
    QCOMPARE(first, "a " + kMarker);
    QCOMPARE(stream.heldBack(), 0);
    QByteArray second = stream.feed(kApiKey.left(1));
    second += stream.feed(kApiKey.mid(1) + " b");
    second += stream.finish();
    QCOMPARE(second, kMarker + " b");
}

void TestRedactor::emptyInputGivesEmptyOutput()
{
    const Redactor redactor({kApiKey}, kService);
    QCOMPARE(redactor.redact(QByteArray()), QByteArray());
    QVERIFY(!redactor.containsSecret(QByteArray()));
    Redactor::Stream stream = redactor.stream();
    QCOMPARE(stream.feed(QByteArray()), QByteArray());
    QCOMPARE(stream.finish(), QByteArray());
}

void TestRedactor::emptySecretsAreIgnored()
{
    const QByteArray input = "nothing to hide";
    const Redactor none({QByteArray()}, kService);
    QCOMPARE(none.redact(input), input);
    QVERIFY(!none.containsSecret(input));
    QCOMPARE(none.longestPattern(), 0);
    QCOMPARE(Redactor().redact(input), input);
    Redactor::Stream stream = none.stream();
    QByteArray streamed = stream.feed(input);
    streamed += stream.finish();
    QCOMPARE(streamed, input);

    const Redactor some({QByteArray(), kApiKey}, kService);
    QCOMPARE(some.redact(input + kApiKey), input + kMarker);
}

void TestRedactor::shortSecretSplitAtEveryPositionEqualsWholeRedaction_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");

    // With a short secret the patterns are shorter than a pending escape: the stream must still
    // hold the escape back.
    QTest::newRow("one byte behind a json escape") << QByteArray("q") << QByteArray("a\\u0071b") << "a" + kMarker + "b";
    QTest::newRow("one byte behind a percent escape") << QByteArray("q") << QByteArray("a%71b") << "a" + kMarker + "b";
    QTest::newRow("astral character as a surrogate pair") << QByteArrayLiteral("\xF0\x9F\x98\x80")
                                                          << QByteArray("x\\ud83d\\ude00y") << "x" + kMarker + "y";
    QTest::newRow("one byte as a json escape at the start") << QByteArray("q") << QByteArray("\\u0071b") << kMarker + "b";
    QTest::newRow("one byte as a percent escape at the start") << QByteArray("q") << QByteArray("%71b") << kMarker + "b";
    QTest::newRow("surrogate pair at the start") << QByteArrayLiteral("\xF0\x9F\x98\x80")
                                                 << QByteArray("\\ud83d\\ude00y") << kMarker + "y";
    QTest::newRow("two bytes as lowercase percent") << QByteArray("/+") << QByteArray("a%2f%2bb") << "a" + kMarker + "b";
}

void TestRedactor::shortSecretSplitAtEveryPositionEqualsWholeRedaction()
{
    QFETCH(QByteArray, secret);
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);
    const Redactor redactor({secret}, kService);
    QCOMPARE(redactor.redact(input), expected);
    for (qsizetype cut = 0; cut <= input.size(); ++cut) {
        for (qsizetype cut2 = cut; cut2 <= input.size(); ++cut2)
            QCOMPARE(redactInChunks(redactor, input, {cut, cut2}), expected);
    }
}

void TestRedactor::oneByteSecretIsReplacedEverywhere()
{
    // Accepted, and over-broad by design: every occurrence of the byte goes.
    const Redactor redactor({QByteArray("q")}, kService);
    QCOMPARE(redactor.redact("a q b q"), "a " + kMarker + " b " + kMarker);
    QCOMPARE(redactor.redact("%71"), kMarker);
}

void TestRedactor::markerNamesTheService()
{
    const Redactor redactor({kApiKey}, QStringLiteral("openai"));
    QCOMPARE(redactor.replacement(), QByteArray("[REDACTED:openai]"));
    QCOMPARE(redactor.redact(kApiKey), QByteArray("[REDACTED:openai]"));
}

QTEST_APPLESS_MAIN(TestRedactor)
#include "tst_redactor.moc"
