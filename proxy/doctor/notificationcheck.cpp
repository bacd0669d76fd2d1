#include "doctor/checks.h"

#include <QDir>
#include <QFileInfo>

#if defined(Q_OS_LINUX)
#include <QDBusConnection>
#include <QDBusMessage>
#endif

namespace keyward::doctor_checks {

namespace {

const QString kName = QString::fromLatin1(kNotifications);
const QString kFallback = QStringLiteral("alerts are still stored, shown by the tray icon and listed by `keyward alerts`");

} // namespace

#if defined(Q_OS_LINUX)

DoctorCheck notificationService(std::chrono::milliseconds callTimeout)
{
    // Never autolaunches a bus: without an address or $XDG_RUNTIME_DIR/bus there is none to ask.
    const bool discoverable = qEnvironmentVariableIsSet("DBUS_SESSION_BUS_ADDRESS") ||
                              (qEnvironmentVariableIsSet("XDG_RUNTIME_DIR") &&
                               QFileInfo::exists(QDir(qEnvironmentVariable("XDG_RUNTIME_DIR")).filePath(QStringLiteral("bus"))));
    if (!discoverable)
        return DoctorCheck::pass(kName, QStringLiteral("no D-Bus session, so no desktop notifications: ") + kFallback);
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected())
        return DoctorCheck::pass(kName, QStringLiteral("the session bus cannot be reached, so no desktop notifications: ") + kFallback);
    const QString service = QStringLiteral("org.freedesktop.Notifications");
    auto ask = [&](const QString &method, const QVariantList &arguments) {
        QDBusMessage call = QDBusMessage::createMethodCall(QStringLiteral("org.freedesktop.DBus"), QStringLiteral("/org/freedesktop/DBus"),
                                                           QStringLiteral("org.freedesktop.DBus"), method);
        call.setArguments(arguments);
        return bus.call(call, QDBus::Block, int(callTimeout.count()));
    };
    const QDBusMessage owner = ask(QStringLiteral("NameHasOwner"), {service});
    if (owner.type() == QDBusMessage::ReplyMessage && owner.arguments().value(0).toBool())
        return DoctorCheck::pass(kName, QStringLiteral("%1 is on the session bus: alerts show as desktop notifications").arg(service));
    const QDBusMessage activatable = ask(QStringLiteral("ListActivatableNames"), {});
    if (activatable.type() == QDBusMessage::ReplyMessage && activatable.arguments().value(0).toStringList().contains(service))
        return DoctorCheck::pass(kName, QStringLiteral("%1 starts on demand: alerts show as desktop notifications").arg(service));
    return DoctorCheck::pass(kName, QStringLiteral("no notification service (%1) on the session bus, so no desktop notifications: "
                                                   "%2; a desktop session has one, elsewhere start one (e.g. dunst)")
                                        .arg(service, kFallback));
}

#else

DoctorCheck notificationService(std::chrono::milliseconds)
{
    return DoctorCheck::pass(kName, QStringLiteral("alerts show as tray messages on this system"));
}

#endif

} // namespace keyward::doctor_checks
