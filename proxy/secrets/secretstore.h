#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

#include <functional>

namespace keyward {

// Where secrets live. Keys are `service/<name>` and `env/<ref>`. Implementations: the OS keychain
// (KeychainStore), the encrypted file store, and an in-memory fake in tests/support.
//
// Every operation is asynchronous and calls its callback exactly once, on the thread that made
// the call, from the event loop (never from inside the call itself), within the store's timeout.
// Errors carry code `keychain_error` (or `not_found` for a missing entry) and one sentence that
// says how to fix the problem; they never contain a secret.
class SecretStore {
public:
    using ReadCallback = std::function<void(Result<QByteArray>)>;
    using DoneCallback = std::function<void(Result<void>)>;

    virtual ~SecretStore() = default;

    virtual void read(const QString &key, ReadCallback done) = 0;
    virtual void write(const QString &key, const QByteArray &secret, DoneCallback done) = 0;
    // Removing a key that does not exist succeeds.
    virtual void remove(const QString &key, DoneCallback done) = 0;
};

namespace secret_errors {
inline constexpr const char *kNotFound = "not_found";
inline constexpr const char *kKeychain = "keychain_error";
} // namespace secret_errors

} // namespace keyward
