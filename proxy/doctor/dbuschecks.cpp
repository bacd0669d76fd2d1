#include "doctor/checks.h"

#include "secrets/keychainadvice.h"

#if defined(Q_OS_LINUX)
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusObjectPath>
#include <QDBusPendingCallWatcher>
#include <QDBusVariant>
#endif

#include <memory>

namespace keyward::doctor_checks {

#if defined(Q_OS_LINUX)

namespace {

const QString kDbusSessionName = QString::fromLatin1(kDbusSession);
const QString kSecretServiceName = QString::fromLatin1(kSecretService);
const QString kSecrets = QStringLiteral("org.freedesktop.secrets");

// One secret-service check: a chain of asynchronous D-Bus calls, each with a timeout.
class SecretServiceProbe : public QObject {
public:
    SecretServiceProbe(std::chrono::milliseconds callTimeout, std::function<void(DoctorCheck)> done)
        : m_bus(QDBusConnection::sessionBus()), m_callTimeout(callTimeout), m_done(std::move(done))
    {
    }

    void start()
    {
        call(QDBusMessage::createMethodCall(QStringLiteral("org.freedesktop.DBus"), QStringLiteral("/org/freedesktop/DBus"),
                                            QStringLiteral("org.freedesktop.DBus"), QStringLiteral("NameHasOwner"))
                 << kSecrets,
             [this](const QDBusMessage &reply) {
                 if (reply.arguments().value(0).toBool())
                     readDefaultAlias();
                 else
                     checkActivatable();
             });
    }

private:
    void checkActivatable()
    {
        call(QDBusMessage::createMethodCall(QStringLiteral("org.freedesktop.DBus"), QStringLiteral("/org/freedesktop/DBus"),
                                            QStringLiteral("org.freedesktop.DBus"),
                                            QStringLiteral("ListActivatableNames")),
             [this](const QDBusMessage &reply) {
                 if (reply.arguments().value(0).toStringList().contains(kSecrets)) {
                     readDefaultAlias();
                     return;
                 }
                 const KeychainAdvice advice = keychain_advice::noSecretService();
                 report(DoctorCheck::fail(kSecretServiceName,
                                          QStringLiteral("nothing provides the Secret Service (%1) on the session bus: %2")
                                              .arg(kSecrets, advice.problem),
                                          advice.fix));
             });
    }

    void readDefaultAlias()
    {
        call(QDBusMessage::createMethodCall(kSecrets, QStringLiteral("/org/freedesktop/secrets"),
                                            QStringLiteral("org.freedesktop.Secret.Service"), QStringLiteral("ReadAlias"))
                 << QStringLiteral("default"),
             [this](const QDBusMessage &reply) {
                 const QString path = qvariant_cast<QDBusObjectPath>(reply.arguments().value(0)).path();
                 if (path.isEmpty() || path == QLatin1String("/")) {
                     report(DoctorCheck::fail(
                         kSecretServiceName,
                         QStringLiteral("the Secret Service has no default keyring (its \"default\" alias is not set), so "
                                        "new secrets have nowhere to go"),
                         QStringLiteral("create and unlock a default keyring: log in to the desktop session once, or "
                                        "create one in Seahorse (Passwords and Keys) and make it the default; on a server "
                                        "start gnome-keyring with `echo -n PASSWORD | gnome-keyring-daemon --replace "
                                        "--unlock --components=secrets`, which creates the login keyring")));
                     return;
                 }
                 checkLocked(path);
             });
    }

    void checkLocked(const QString &collection)
    {
        call(QDBusMessage::createMethodCall(kSecrets, collection, QStringLiteral("org.freedesktop.DBus.Properties"),
                                            QStringLiteral("Get"))
                 << QStringLiteral("org.freedesktop.Secret.Collection") << QStringLiteral("Locked"),
             [this, collection](const QDBusMessage &reply) {
                 const bool locked = qvariant_cast<QDBusVariant>(reply.arguments().value(0)).variant().toBool();
                 if (locked) {
                     report(DoctorCheck::fail(kSecretServiceName,
                                              QStringLiteral("the default keyring (%1) is locked").arg(collection),
                                              keychain_advice::lockedOrDenied().fix));
                     return;
                 }
                 report(DoctorCheck::pass(kSecretServiceName,
                                          QStringLiteral("%1 answers and its default keyring (%2) is unlocked")
                                              .arg(kSecrets, collection)));
             });
    }

    void call(const QDBusMessage &message, std::function<void(const QDBusMessage &)> onReply)
    {
        auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(message, int(m_callTimeout.count())), this);
        const QString member = message.member();
        connect(watcher, &QDBusPendingCallWatcher::finished, this,
                [this, member, onReply = std::move(onReply)](QDBusPendingCallWatcher *finished) {
                    finished->deleteLater();
                    const QDBusMessage reply = finished->reply();
                    if (reply.type() == QDBusMessage::ErrorMessage)
                        failed(member, finished->error());
                    else
                        onReply(reply);
                });
    }

    void failed(const QString &member, const QDBusError &error)
    {
        if (error.type() == QDBusError::NoReply || error.type() == QDBusError::Timeout
            || error.type() == QDBusError::TimedOut) {
            report(DoctorCheck::fail(
                kSecretServiceName,
                QStringLiteral("the Secret Service did not answer %1 within %2")
                    .arg(member, keychain_advice::formatSeconds(m_callTimeout)),
                QStringLiteral("it may be stuck on a prompt: unlock or restart it (log out and in again, or run "
                               "`echo -n PASSWORD | gnome-keyring-daemon --replace --unlock --components=secrets`)")));
            return;
        }
        if (error.type() == QDBusError::ServiceUnknown || error.name().startsWith(QLatin1String("org.freedesktop.DBus.Error.Spawn"))) {
            const KeychainAdvice advice = keychain_advice::noSecretService();
            report(DoctorCheck::fail(kSecretServiceName,
                                     QStringLiteral("the Secret Service (%1) could not be started: %2").arg(kSecrets, error.message()),
                                     advice.fix));
            return;
        }
        report(DoctorCheck::fail(kSecretServiceName,
                                 QStringLiteral("the Secret Service refused %1: %2 (%3)").arg(member, error.message(), error.name()),
                                 QStringLiteral("restart it (log out and in again, or run `echo -n PASSWORD | "
                                                "gnome-keyring-daemon --replace --unlock --components=secrets`)")));
    }

    void report(const DoctorCheck &check)
    {
        if (!m_done)
            return;
        const auto done = std::exchange(m_done, nullptr);
        done(check);
    }

    QDBusConnection m_bus;
    std::chrono::milliseconds m_callTimeout;
    std::function<void(DoctorCheck)> m_done;
};

} // namespace

DoctorCheck sessionBus()
{
    const KeychainAdvice advice = keychain_advice::noSessionBus();
    if (!sessionBusDiscoverable()) {
        return DoctorCheck::fail(kDbusSessionName,
                                 QStringLiteral("no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set and "
                                                "$XDG_RUNTIME_DIR/bus does not exist, so the Secret Service keychain "
                                                "cannot be reached"),
                                 advice.fix);
    }
    const QDBusConnection bus = QDBusConnection::sessionBus();
    const QString address = qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS");
    const QString where = address.isEmpty() ? QStringLiteral("$XDG_RUNTIME_DIR/bus") : address;
    if (!bus.isConnected()) {
        return DoctorCheck::fail(kDbusSessionName,
                                 QStringLiteral("the D-Bus session bus at %1 cannot be reached: %2")
                                     .arg(where, bus.lastError().message()),
                                 QStringLiteral("the address is stale (left from another login or an ssh session): log "
                                                "in to the desktop again, or on a server start a session with "
                                                "`dbus-run-session -- sh -c 'echo -n PASSWORD | gnome-keyring-daemon "
                                                "--unlock --components=secrets; keyward ...'`"));
    }
    return DoctorCheck::pass(kDbusSessionName, QStringLiteral("connected to the session bus at %1").arg(where));
}

QObject *startSecretService(std::chrono::milliseconds callTimeout, std::function<void(DoctorCheck)> done)
{
    auto *probe = new SecretServiceProbe(callTimeout, std::move(done));
    probe->start();
    return probe;
}

#else

namespace {
QString notApplicable()
{
    return QStringLiteral("not applicable: the keychain on this system is not reached over D-Bus");
}
} // namespace

DoctorCheck sessionBus() { return DoctorCheck::pass(QString::fromLatin1(kDbusSession), notApplicable()); }

QObject *startSecretService(std::chrono::milliseconds, std::function<void(DoctorCheck)> done)
{
    auto *probe = new QObject;
    QMetaObject::invokeMethod(
        probe, [done = std::move(done)] { done(DoctorCheck::pass(QString::fromLatin1(kSecretService), notApplicable())); },
        Qt::QueuedConnection);
    return probe;
}

#endif

} // namespace keyward::doctor_checks
