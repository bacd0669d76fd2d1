#include "doctor/checks.h"

#include "daemon/ownerclient.h"
#include "daemon/ownerlock.h"
#include "daemon/ownerprotocol.h"

namespace keyward::doctor_checks {

DoctorCheck owner(const KeywardHome &home)
{
    const QString name = QString::fromLatin1(kOwner);
    const QString socket = daemon::ownerSocketPath(home);
    const qint64 pid = daemon::OwnerLock::ownerPid(home);
    if (pid == 0) {
        return DoctorCheck::pass(name, QStringLiteral("no owner is running (socket %1); `keyward mcp` starts one in the "
                                                      "background, or run `keyward serve`")
                                           .arg(socket));
    }
    const auto status = daemon::askOwner(home, "status", 3000);
    if (!status) {
        return DoctorCheck::fail(
            name, QStringLiteral("process %1 owns this home but does not answer on %2: %3").arg(pid).arg(socket, status.error().message),
            QStringLiteral("stop it (kill %1); the next `keyward mcp` or `keyward serve` starts a new owner").arg(pid));
    }
    const auto http = status->value("http", nlohmann::json());
    const QString httpText = http.is_string() ? QString::fromStdString(http.get<std::string>()) : QStringLiteral("off");
    return DoctorCheck::pass(name, QStringLiteral("pid %1 serves socket %2, HTTP %3, %4 MCP connection(s)")
                                       .arg(pid)
                                       .arg(socket, httpText)
                                       .arg(status->value("sessions", 0)));
}

} // namespace keyward::doctor_checks
