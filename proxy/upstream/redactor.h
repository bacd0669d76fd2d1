#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>

namespace keyward {

namespace redactor_detail {
class Engine;
struct Scanner;
} // namespace redactor_detail

// Scrubs secrets from what an upstream sends back, before the agent, the log or the audit sees it.
//
// Every occurrence of a secret is replaced by `[REDACTED:<service>]`. A secret is found in these
// forms, all of them also after the three decodings listed next:
//   - the raw bytes (case-sensitive);
//   - lowercase and uppercase hex of the bytes (mixed-case hex is not matched);
//   - standard base64 and base64url, standalone with or without padding, and inside longer base64
//     text at each of the three byte alignments (a reflected `Authorization: Basic ...` header, a
//     JWT). Inside longer text every base64 character that carries any bit of the secret is
//     replaced: the characters fully determined by the secret, plus the partial character at
//     each edge when it is consistent with the secret's bits.
// and the three decodings (every mix of encoded and literal characters, hex escapes in either case):
//   - percent-encoding with `+` read as a space (forms, query strings);
//   - percent-encoding with `+` read literally (RFC 3986 paths and queries);
//   - JSON string escapes: `\" \\ \/ \b \f \n \r \t` and `\uXXXX` for any character, surrogate
//     pairs for characters beyond U+FFFF (what nlohmann::json, JSON.stringify, Python json.dumps
//     with or without ensure_ascii, PHP and Gson write).
// Not matched: mixed-case hex, base64 broken by line breaks, HTML entities, escapes nested twice
// (percent-encoding of percent-encoding, JSON inside a JSON string), a JSON \u escape of a byte
// that is not valid UTF-8 (a binary secret is matched raw, in hex, base64 and percent-encoded).
//
// Overlapping occurrences are replaced together by one marker; adjacent ones each get their own.
// The replacement is not rescanned: only a secret that overlaps the marker text itself could
// survive. Empty secrets are ignored. Short secrets are accepted: a secret of one to three bytes
// is still scrubbed everywhere (a one-byte secret replaces every occurrence of that byte), which
// is over-broad but never leaks; the one form a one-byte secret cannot be found in is the middle
// of longer base64 at alignment 1, where it has no character of its own. Callers that want to
// refuse weak secrets do so where the secret is entered.
//
// A Redactor is immutable after construction, cheap to copy (copies share the compiled patterns)
// and safe to use from several threads; build it once per secret and reuse it (construction is
// linear in the secrets' length). It never logs and never puts a secret in an error. The compiled
// patterns are derived from the secrets and are wiped, best effort, when the last copy goes.
// Scanning is linear in the input (an Aho-Corasick automaton over every pattern, run over the raw
// bytes and over each decoding).
class Redactor {
public:
    class Stream;

    // A redactor that finds nothing: redact() returns its input unchanged.
    Redactor();
    // `secrets` are the byte strings that must never be revealed (for basic auth the password and
    // `username:password`), `service` names the marker.
    Redactor(const QList<QByteArray> &secrets, const QString &service);

    // `data` with every occurrence of a secret replaced. Equal to feeding `data` to a fresh
    // Stream in one chunk and appending finish().
    QByteArray redact(const QByteArray &data) const;

    // True when `data` holds at least one occurrence that redact() would replace.
    bool containsSecret(const QByteArray &data) const;

    // A fresh stream over this redactor's patterns; it keeps them alive on its own.
    Stream stream() const;

    // The marker that replaces each occurrence: `[REDACTED:<service>]`.
    QByteArray replacement() const { return m_replacement; }

    // Decoded length of the longest pattern, counting the partial base64 edge characters. A stream
    // never holds back more than longestPattern() - 1 decoded bytes beyond any occurrence still
    // open and any escape still incomplete; usually far less (see Stream).
    qsizetype longestPattern() const;

    // Upper bound on the length in the input of one occurrence in any form (a JSON \u00XX escape
    // spells one byte in six). A caller that cuts a body should redact at least this many bytes
    // past the cut first, so that an occurrence straddling the cut is seen whole.
    qsizetype longestEncodedLength() const;

private:
    std::shared_ptr<const redactor_detail::Engine> m_engine;
    QByteArray m_replacement;
};

// Redacts a body that arrives in chunks. Whatever the chunking, the concatenation of every
// feed() result and finish() equals Redactor::redact() of the whole body: an occurrence split
// across chunks at any position is still replaced. feed() returns everything no later chunk can
// change and holds back only the tail that is a prefix of some encoded form of a secret: in each
// decoding (raw, percent, JSON) the longest suffix of what has been read that is a proper prefix
// of a pattern, the one base64 character before it when that character can carry a bit of the
// secret at that alignment, an escape or surrogate pair not yet complete, an occurrence that may
// still grow by a partial base64 character on its right, and an occurrence that a later one could
// still overlap. A chunk that ends in nothing of the kind (a Server-Sent Event ending in "\n\n",
// say) is released whole. After finish() the stream is fresh again and may be reused for another
// body. Not thread-safe; movable, not copyable; a moved-from stream must not be fed.
class Redactor::Stream {
public:
    ~Stream();
    Stream(Stream &&) noexcept;
    Stream &operator=(Stream &&) noexcept;
    Stream(const Stream &) = delete;
    Stream &operator=(const Stream &) = delete;

    // Scans `chunk` and returns the redacted bytes that no later chunk can change.
    QByteArray feed(const QByteArray &chunk);
    // Ends the body: returns everything still held back, redacted, and resets the stream.
    QByteArray finish();

    // Bytes received but not yet released.
    qsizetype heldBack() const;

private:
    friend class Redactor;
    Stream(std::shared_ptr<const redactor_detail::Engine> engine, QByteArray replacement);

    QByteArray release(bool final);

    std::shared_ptr<const redactor_detail::Engine> m_engine;
    QByteArray m_replacement;
    std::unique_ptr<redactor_detail::Scanner> m_scanner;
    QByteArray m_pending;    // input bytes [m_pendingStart, total) not yet released
    qint64 m_pendingStart = 0;
};

} // namespace keyward
