#include "ownerstarter.h"

#include "core/logging.h"
#include "daemon/ownerlock.h"

#include <nlohmann/json.hpp>

#include <QCoreApplication>
#include <QProcess>

namespace keyward::app {

namespace {

constexpr int kStartTimeoutMs = 30000;

} // namespace

Result<void> startBackgroundOwner()
{
    QProcess serve;
    serve.setProgram(QCoreApplication::applicationFilePath());
    serve.setArguments({QStringLiteral("serve"), QStringLiteral("--background")});
    serve.setProcessChannelMode(QProcess::SeparateChannels);
    serve.setStandardInputFile(QProcess::nullDevice());
    // Its stderr (log lines before it detaches) goes where the bridge's goes.
    serve.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    keyward::logger("bridge")->info("no owner is running: starting keyward serve --background");
    serve.start();
    if (!serve.waitForFinished(kStartTimeoutMs)) {
        serve.kill();
        serve.waitForFinished(1000);
        return Error{QStringLiteral("owner_error"),
                     QStringLiteral("keyward serve --background did not report within 30 s; run `keyward serve` to see why")};
    }
    const QByteArray output = serve.readAllStandardOutput().trimmed();
    const nlohmann::json line = nlohmann::json::parse(output.constData(), output.constData() + output.size(), nullptr, false);
    if (line.is_object() && line.value("ready", false))
        return {};
    if (line.is_object() && line.contains("error") && line["error"].is_object()) {
        const std::string code = line["error"].value("code", std::string("owner_error"));
        if (code == daemon::OwnerLock::kOwned)
            return {};
        return Error{QString::fromStdString(code), QString::fromStdString(line["error"].value("message", std::string()))};
    }
    return Error{QStringLiteral("owner_error"),
                 QStringLiteral("keyward serve --background exited with code %1 without a ready line; run `keyward serve` "
                                "to see why")
                     .arg(serve.exitCode())};
}

} // namespace keyward::app
