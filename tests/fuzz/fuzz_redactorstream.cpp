// Redactor::Stream over fuzzed bodies cut at fuzzed places. Input: byte 0 is the secret's length
// (1 to 64), then the secret, then four bytes seeding the chunk sizes, then the body. In the body
// a byte 0xF0-0xF7 stands for a whole encoded form of the secret and 0xF8-0xFF for the first half
// of one (raw, hex, base64 at alignments 0 and 1, base64url, percent, JSON \u escapes, form
// encoding), so that the fuzzer reaches occurrences it could not spell itself.
// Properties: the stream's output equals Redactor::redact() of the whole body for any chunking,
// no feed() releases anything the whole redaction does not start with, and a body without a
// byte of any form's alphabet is released at every feed.
#include "fuzzcheck.h"

#include "upstream/redactor.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <cstddef>
#include <cstdint>

using namespace keyward;

namespace {

QByteArray escapeEveryByte(const QByteArray &data, const char *prefix)
{
    QByteArray out;
    for (const char c : data)
        out += QByteArray(prefix) + QByteArray(1, c).toHex();
    return out;
}

QByteArray formOf(const QByteArray &secret, int which)
{
    switch (which) {
    case 0: return secret;
    case 1: return secret.toHex();
    case 2: return secret.toBase64();
    case 3: return QByteArray(QByteArray("#") + secret).toBase64();
    case 4: return secret.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    case 5: return escapeEveryByte(secret, "%");
    case 6: return escapeEveryByte(secret, "\\u00");
    default: return secret.toPercentEncoding(" ").replace(' ', '+');
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const qsizetype secretSize = 1 + data[0] % 64;
    if (size < std::size_t(1 + secretSize + 4))
        return 0;
    const QByteArray secret(reinterpret_cast<const char *>(data + 1), secretSize);
    std::uint32_t seed = 0;
    for (int i = 0; i < 4; ++i)
        seed = (seed << 8) | data[1 + secretSize + i];
    const std::uint8_t *raw = data + 1 + secretSize + 4;
    const std::size_t rawSize = size - std::size_t(1 + secretSize + 4);

    QByteArray body;
    for (std::size_t i = 0; i < rawSize; ++i) {
        if (raw[i] >= 0xF0) {
            const QByteArray form = formOf(secret, raw[i] & 7);
            body += raw[i] >= 0xF8 ? form.left(form.size() / 2) : form;
        } else {
            body += char(raw[i]);
        }
    }

    const Redactor redactor({secret}, QStringLiteral("fuzz"));
    const QByteArray whole = redactor.redact(body);

    Redactor::Stream stream = redactor.stream();
    QByteArray streamed;
    qsizetype from = 0;
    while (from < body.size()) {
        seed = seed * 1664525u + 1013904223u;
        const qsizetype chunk = (seed >> 24) % ((seed >> 20) & 1 ? 4 : 97);
        streamed += stream.feed(body.mid(from, chunk));
        from += chunk;
        FUZZ_CHECK(whole.startsWith(streamed));
    }
    streamed += stream.finish();
    FUZZ_CHECK(streamed == whole);
    FUZZ_CHECK(stream.heldBack() == 0);

    // A body of bytes that appear in no pattern and no escape is released as it is fed.
    QByteArray foreign;
    for (const char c : body) {
        if (!secret.contains(c) && !QByteArray("0123456789abcdefABCDEF%\\+/-_=").contains(c)
            && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z'))
            foreign += c;
    }
    if (!foreign.isEmpty()) {
        Redactor::Stream clean = redactor.stream();
        FUZZ_CHECK(clean.feed(foreign) == foreign);
        FUZZ_CHECK(clean.heldBack() == 0);
        FUZZ_CHECK(clean.finish().isEmpty());
    }
    return 0;
}
