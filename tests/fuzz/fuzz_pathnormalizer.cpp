// normalizePath + joinUnderBase: a normalized path is canonical (idempotent, pure ASCII, one
// leading `/`, no empty, `.` or `..` segments, within kMaxPathBytes) and the URL joined from any
// path, normalized or not, stays under the base.
#include "fuzzcheck.h"

#include "policy/pathnormalizer.h"

#include <QByteArray>
#include <QString>
#include <QUrl>

#include <cstddef>
#include <cstdint>

using namespace keyward::policy;

namespace {

const QUrl &baseFor(uint8_t selector)
{
    static const QUrl bases[] = {
        QUrl(QStringLiteral("https://api.example.com/v1")),
        QUrl(QStringLiteral("https://api.example.com/v1/")),
        QUrl(QStringLiteral("http://127.0.0.1:8080")),
        QUrl(QStringLiteral("https://api.example.com/a/b")),
    };
    return bases[selector % std::size(bases)];
}

void checkCanonical(const QString &n)
{
    FUZZ_CHECK(n.startsWith(QLatin1Char('/')));
    for (const QChar c : n)
        FUZZ_CHECK(c.unicode() > 0x20 && c.unicode() < 0x7F);
    FUZZ_CHECK(!n.contains(QLatin1String("//")));
    FUZZ_CHECK(!n.contains(QLatin1String("/./")));
    FUZZ_CHECK(!n.contains(QLatin1String("/../")));
    FUZZ_CHECK(!n.endsWith(QLatin1String("/.")));
    FUZZ_CHECK(!n.endsWith(QLatin1String("/..")));
    FUZZ_CHECK(n.size() <= kMaxPathBytes);
}

// The joined URL is the base with the path appended, and nothing else.
void checkUnderBase(const QUrl &base, const QUrl &url, const QString *expectedPath)
{
    FUZZ_CHECK(url.isValid());
    FUZZ_CHECK(url.scheme() == base.scheme());
    FUZZ_CHECK(url.host() == base.host());
    FUZZ_CHECK(url.port() == base.port());
    FUZZ_CHECK(url.userInfo().isEmpty());
    FUZZ_CHECK(!url.hasQuery());
    FUZZ_CHECK(!url.hasFragment());
    QByteArray prefix = base.path(QUrl::FullyEncoded).toUtf8();
    if (prefix.endsWith('/'))
        prefix.chop(1);
    const QByteArray path = url.path(QUrl::FullyEncoded).toUtf8();
    FUZZ_CHECK(path.startsWith(prefix + '/'));
    const QByteArray encoded = url.toEncoded();
    FUZZ_CHECK(encoded.startsWith(base.toEncoded(QUrl::StripTrailingSlash) + '/'));
    if (expectedPath)
        FUZZ_CHECK(path == prefix + expectedPath->toLatin1());
    // The path the server sees never climbs out of the base.
    FUZZ_CHECK(!path.contains("/../") && !path.endsWith("/.."));
    FUZZ_CHECK(!path.contains("/./") && !path.endsWith("/."));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QUrl &base = baseFor(data[0]);
    const QString raw = QString::fromUtf8(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    const auto normalized = normalizePath(raw);
    if (normalized.ok()) {
        const QString &n = normalized.value();
        checkCanonical(n);
        const auto again = normalizePath(n);
        FUZZ_CHECK(again.ok());
        FUZZ_CHECK(again.value() == n);

        const auto joined = joinUnderBase(base, n);
        FUZZ_CHECK(joined.ok()); // the output of normalizePath is always joinable
        checkUnderBase(base, joined.value(), &n);
    } else {
        FUZZ_CHECK(!normalized.error().code.isEmpty());
    }

    // joinUnderBase guards itself: whatever it is given, an accepted URL stays under the base.
    const auto direct = joinUnderBase(base, raw);
    if (direct.ok())
        checkUnderBase(base, direct.value(), nullptr);
    return 0;
}
