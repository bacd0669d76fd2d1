// Redactor throughput on a 10 MiB response with one 40-byte secret, as a ratio against the
// simplest possible scrub measured in the same run: QByteArray::replace of the raw secret only.
//
//   Redactor::redact (whole body)        vs   QByteArray::replace(secret, marker)
//   Redactor::Stream (64 KiB chunks)     vs   the same baseline

#include "bench.h"

#include "upstream/redactor.h"

#include <QByteArray>
#include <QRandomGenerator>

#include <chrono>
#include <cstdio>

namespace keyward::bench {

namespace {

// A JSON API listing (GitHub issues, say) with the usual escapes (\r\n, \"), and the secret
// reflected 16 times in assorted encodings.
QByteArray makeBody(const QByteArray &secret, qsizetype size)
{
    const QByteArray forms[] = {secret, secret.toBase64(), secret.toHex(), "Basic " + QByteArray("user:" + secret).toBase64(),
                                secret.toPercentEncoding()};
    QRandomGenerator random(1);
    QByteArray body = "[";
    body.reserve(size + 4096);
    const qsizetype every = size / 16;
    qsizetype nextPlant = every / 2;
    int planted = 0;
    while (body.size() < size) {
        body += "{\"id\":" + QByteArray::number(random.bounded(1000000))
                + ",\"url\":\"https://api.github.com/repos/octo/hello/issues/" + QByteArray::number(random.bounded(5000))
                + "\",\"title\":\"Fix the flux capacitor when it overheats\",\"user\":{\"login\":\"octocat\","
                  "\"avatar_url\":\"https://avatars.githubusercontent.com/u/583231?v=4\"},\"body\":\"Steps:\\r\\n1. Start "
                  "it\\r\\n2. Watch it \\\"explode\\\"\\r\\n\\r\\nExpected: no explosion. ";
        if (body.size() >= nextPlant) {
            body += forms[planted++ % int(std::size(forms))];
            nextPlant += every;
        }
        body += "\",\"state\":\"open\",\"created_at\":\"2024-01-01T00:00:00Z\"},";
    }
    body.truncate(size);
    return body;
}

template <typename F>
double bestSeconds(int rounds, F &&body)
{
    double best = 1e9;
    for (int i = 0; i < rounds; ++i) {
        const auto start = std::chrono::steady_clock::now();
        body();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
}

} // namespace

// Prints one line per measurement; returns a checksum so the work is not optimized away.
qsizetype runRedactorBenchmark(int rounds)
{
    const QByteArray secret = "sk-proj-4fQ9xZ2mN7pL0aB3cD6eF8gH1iJ5kKq2"; // 40 bytes
    const QByteArray marker = "[REDACTED:bench]";
    const qsizetype size = 10 * 1024 * 1024;
    const QByteArray body = makeBody(secret, size);
    const Redactor redactor({secret}, QStringLiteral("bench"));
    qsizetype sink = 0;
    const qsizetype found = redactor.redact(body).count(redactor.replacement());
    if (found != 16)
        std::fprintf(stderr, "bench redactor: expected 16 occurrences, redacted %lld\n", static_cast<long long>(found));

    const double baseline = bestSeconds(rounds, [&] {
        QByteArray copy = body;
        sink += copy.replace(secret, marker).size();
    });
    const double whole = bestSeconds(rounds, [&] { sink += redactor.redact(body).size(); });
    const double streamed = bestSeconds(rounds, [&] {
        Redactor::Stream stream = redactor.stream();
        for (qsizetype at = 0; at < body.size(); at += 64 * 1024)
            sink += stream.feed(body.mid(at, 64 * 1024)).size();
        sink += stream.finish().size();
    });

    const double mib = double(size) / (1024.0 * 1024.0);
    std::printf("bench redactor_whole: 10 MiB, one 40-byte secret, baseline %.0f MiB/s, keyward %.0f MiB/s, ratio %.2f "
                "(keyward time / baseline time)\n",
                mib / baseline, mib / whole, whole / baseline);
    std::printf("bench redactor_stream: 10 MiB in 64 KiB chunks, baseline %.0f MiB/s, keyward %.0f MiB/s, ratio %.2f "
                "(keyward time / baseline time)\n",
                mib / baseline, mib / streamed, streamed / baseline);
    return sink;
}

} // namespace keyward::bench
