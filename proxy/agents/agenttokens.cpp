#include "agents/agenttokens.h"

#include "core/timespec.h"

#include <sodium.h>

namespace keyward {

namespace {

constexpr qsizetype kRandomBytes = 32;
constexpr qsizetype kPrefixBytes = 4;

void ensureSodium()
{
    if (sodium_init() < 0)
        qFatal("libsodium could not be initialized");
}

Error unauthorized(const QString &message) { return {QString::fromLatin1(agent_errors::kUnauthorized), message}; }

} // namespace

IssuedAgentToken issueAgentToken(const QDateTime &now, const QDateTime &expires)
{
    ensureSodium();
    unsigned char random[kRandomBytes];
    randombytes_buf(random, sizeof random);
    char encoded[sodium_base64_ENCODED_LEN(kRandomBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(encoded, sizeof encoded, random, sizeof random, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(random, sizeof random);

    IssuedAgentToken issued;
    issued.token = QByteArray(kAgentTokenPrefix) + QByteArray(encoded);
    sodium_memzero(encoded, sizeof encoded);
    issued.config.tokenHash = agentTokenHash(issued.token);
    issued.config.created = formatAgentTime(now);
    issued.config.expires = expires.isValid() ? formatAgentTime(expires) : QString();
    return issued;
}

QString agentTokenHash(QByteArrayView token)
{
    ensureSodium();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(token.data()), (unsigned long long)token.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return QStringLiteral("sha256:") + QString::fromLatin1(hex);
}

bool isWellFormedAgentToken(QByteArrayView token)
{
    if (token.size() != kAgentTokenBytes || !token.startsWith(QByteArrayView(kAgentTokenPrefix)))
        return false;
    for (qsizetype i = kPrefixBytes; i < token.size(); ++i) {
        const char c = token.at(i);
        const bool base64url = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
            || c == '_';
        if (!base64url)
            return false;
    }
    return true;
}

QString formatAgentTime(const QDateTime &time) { return time.toUTC().toString(Qt::ISODate); }

bool agentTokenExpired(const AgentConfig &agent, const QDateTime &now)
{
    if (agent.expires.isEmpty())
        return false;
    const auto expires = parseTimeSpec(agent.expires, now);
    return !expires || now >= *expires;
}

Result<QString> authenticateAgent(const Config &config, QByteArrayView token, const QDateTime &now)
{
    const Error invalid = unauthorized(QStringLiteral("invalid token: present the kwa_ token that `keyward agent add` "
                                                      "printed, as Authorization: Bearer <token>"));
    if (!isWellFormedAgentToken(token))
        return invalid;
    const QByteArray presented = agentTokenHash(token).toLatin1();
    const AgentConfig *match = nullptr;
    const QString *matchName = nullptr;
    // Every agent is compared, so the time taken does not depend on where a match is.
    for (const auto &[name, agent] : config.agents) {
        const QByteArray stored = agent.tokenHash.toLatin1();
        if (stored.size() == presented.size()
            && sodium_memcmp(stored.constData(), presented.constData(), size_t(presented.size())) == 0) {
            match = &agent;
            matchName = &name;
        }
    }
    if (!match)
        return invalid;
    if (agentTokenExpired(*match, now)) {
        return unauthorized(QStringLiteral("agent '%1''s token expired at %2; run `keyward agent remove %1` and "
                                           "`keyward agent add %1` to issue a new one")
                                .arg(*matchName, match->expires));
    }
    return *matchName;
}

} // namespace keyward
