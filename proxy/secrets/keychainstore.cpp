#include "secrets/keychainstore.h"

#include "core/logging.h"
#include "secrets/keychainadvice.h"

#include <qt6keychain/keychain.h>

#include <QTimer>

#include <memory>

namespace keyward {

namespace {

enum class Operation { Read, Write, Remove };

const char *verb(Operation operation)
{
    switch (operation) {
    case Operation::Read:
        return "reading";
    case Operation::Write:
        return "writing";
    case Operation::Remove:
        return "removing";
    }
    return "using";
}

// Turns a failed QtKeychain job into one sentence a user can act on. QtKeychain's error strings
// come from the backend (libsecret, D-Bus) and never contain the secret; the secret itself is
// never formatted into anything here.
Error mapError(Operation operation, const QString &key, QKeychain::Error error, const QString &text)
{
    const QString keychainError = QString::fromLatin1(secret_errors::kKeychain);
    if (error == QKeychain::EntryNotFound) {
        return {QString::fromLatin1(secret_errors::kNotFound),
                QStringLiteral("the keychain has no entry for %1: store the secret again")
                    .arg(key)};
    }
    if (error == QKeychain::AccessDenied || error == QKeychain::AccessDeniedByUser)
        return {keychainError, keychain_advice::lockedOrDenied().sentence()};

    const bool secretServiceMissing = error == QKeychain::NoBackendAvailable
        || text.contains(QLatin1String("org.freedesktop.secrets"))
        || text.contains(QLatin1String("ServiceUnknown"));
    if (secretServiceMissing)
        return {keychainError, keychain_advice::noSecretService().sentence()};

    const bool noSessionBus = !sessionBusDiscoverable() || text.contains(QLatin1String("D-Bus"), Qt::CaseInsensitive)
        || text.contains(QLatin1String("autolaunch"), Qt::CaseInsensitive);
    if (noSessionBus)
        return {keychainError, keychain_advice::noSessionBus().sentence()};

    if (text.contains(QLatin1String("locked"), Qt::CaseInsensitive))
        return {keychainError, keychain_advice::lockedOrDenied().sentence()};

    return {keychainError, QStringLiteral("%1 %2 in the keychain failed: check that the keychain runs and is "
                                          "unlocked, then try again (the keychain said: %3)")
                               .arg(QString::fromLatin1(verb(operation)), key,
                                    text.isEmpty() ? QStringLiteral("error %1").arg(int(error)) : text)};
}

// Runs one QtKeychain job with the store's timeout and calls `finish` exactly once: with the job
// when it finished in time, or with the timeout error. `finish` never runs inside this function.
void runJob(KeychainStore *store, QKeychain::Job *job, const QString &key, Operation operation,
            std::function<void(QKeychain::Job *)> onFinished, std::function<void(Error)> onTimeout)
{
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);

    auto settled = std::make_shared<bool>(false);
    auto *timer = new QTimer(store);
    timer->setSingleShot(true);

    QObject::connect(timer, &QTimer::timeout, store, [settled, timer, key, operation, timeout = store->timeout(),
                                                      onTimeout = std::move(onTimeout)] {
        timer->deleteLater();
        if (std::exchange(*settled, true))
            return;
        logger("core.secrets")->warn("keychain: {} {} timed out after {} ms", verb(operation), key.toStdString(),
                                     timeout.count());
        onTimeout({QString::fromLatin1(secret_errors::kKeychain), keychain_advice::timedOut(timeout).sentence()});
    });
    QObject::connect(job, &QKeychain::Job::finished, store,
                     [settled, timer, onFinished = std::move(onFinished)](QKeychain::Job *finished) {
                         if (std::exchange(*settled, true))
                             return; // answered after the timeout: ignored
                         timer->stop();
                         timer->deleteLater();
                         onFinished(finished);
                     });

    timer->start(store->timeout());
    job->start(); // queued: QtKeychain starts the job from the event loop
}

} // namespace

KeychainStore::KeychainStore(const QString &serviceName, std::chrono::milliseconds timeout, QObject *parent)
    : QObject(parent), m_serviceName(serviceName), m_timeout(timeout)
{
}

KeychainStore::~KeychainStore() = default;

void KeychainStore::read(const QString &key, ReadCallback done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_serviceName);
    runJob(
        this, job, key, Operation::Read,
        [done, key](QKeychain::Job *finished) {
            if (finished->error() == QKeychain::NoError) {
                done(static_cast<QKeychain::ReadPasswordJob *>(finished)->binaryData());
                return;
            }
            if (finished->error() != QKeychain::EntryNotFound) {
                logger("core.secrets")->warn("keychain: reading {} failed: error {}: {}", key.toStdString(),
                                             int(finished->error()), finished->errorString().toStdString());
            }
            done(mapError(Operation::Read, key, finished->error(), finished->errorString()));
        },
        done);
}

void KeychainStore::write(const QString &key, const QByteArray &secret, DoneCallback done)
{
    auto *job = new QKeychain::WritePasswordJob(m_serviceName);
    job->setBinaryData(secret);
    runJob(
        this, job, key, Operation::Write,
        [done, key](QKeychain::Job *finished) {
            if (finished->error() == QKeychain::NoError) {
                done({});
                return;
            }
            logger("core.secrets")->warn("keychain: writing {} failed: error {}: {}", key.toStdString(),
                                         int(finished->error()), finished->errorString().toStdString());
            done(mapError(Operation::Write, key, finished->error(), finished->errorString()));
        },
        done);
}

void KeychainStore::remove(const QString &key, DoneCallback done)
{
    auto *job = new QKeychain::DeletePasswordJob(m_serviceName);
    runJob(
        this, job, key, Operation::Remove,
        [done, key](QKeychain::Job *finished) {
            if (finished->error() == QKeychain::NoError || finished->error() == QKeychain::EntryNotFound) {
                done({});
                return;
            }
            logger("core.secrets")->warn("keychain: removing {} failed: error {}: {}", key.toStdString(),
                                         int(finished->error()), finished->errorString().toStdString());
            done(mapError(Operation::Remove, key, finished->error(), finished->errorString()));
        },
        done);
}

} // namespace keyward
