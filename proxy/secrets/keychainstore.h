#pragma once

#include "secrets/secretstore.h"

#include <QObject>
#include <QString>

#include <chrono>

namespace keyward {

// The SecretStore over the OS keychain through QtKeychain: the Secret Service (gnome-keyring,
// KWallet, KeePassXC) over D-Bus on Linux, the Keychain on macOS, the Credential Manager on
// Windows. The insecure plain-text fallback of QtKeychain is always off.
//
// Entries are stored as binary data under `serviceName` (KeywardHome::keychainServiceName()) with
// the SecretStore key as the entry key. With libsecret an entry has the schema `org.qt.keychain`
// and the attributes server=<serviceName>, user=<key>, type=base64 (the secret is stored base64
// encoded, so any bytes survive).
//
// Every call's callback runs exactly once from the event loop, on the calling thread, and at the
// latest after `timeout`: a keychain that does not answer in time (typically locked and waiting
// on an unlock prompt) yields a `keychain_error` saying so, and its late answer is ignored.
// QtKeychain runs its jobs one at a time, so calls made while a job hangs wait behind it (and time
// out too) until the keychain answers. Errors are one sentence "problem: fix" (see
// KeychainAdvice); reading a missing key gives `not_found`; removing one succeeds.
//
// Destroying the store drops the callbacks of calls still in flight.
class KeychainStore : public QObject, public SecretStore {
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds kDefaultTimeout{10000};

    explicit KeychainStore(const QString &serviceName, std::chrono::milliseconds timeout = kDefaultTimeout,
                           QObject *parent = nullptr);
    ~KeychainStore() override;

    QString serviceName() const { return m_serviceName; }
    std::chrono::milliseconds timeout() const { return m_timeout; }

    void read(const QString &key, ReadCallback done) override;
    void write(const QString &key, const QByteArray &secret, DoneCallback done) override;
    void remove(const QString &key, DoneCallback done) override;

private:
    QString m_serviceName;
    std::chrono::milliseconds m_timeout;
};

} // namespace keyward
