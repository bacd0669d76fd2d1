#pragma once

#include "corestack.h"

#include "alerts/alertcenter.h"
#include "alerts/notifier.h"

#include "core/keywardhome.h"
#include "core/result.h"
#include "daemon/ownerlock.h"
#include "daemon/ownerserver.h"
#include "mcp/keywardtools.h"
#include "reverseproxy/proxyendpoint.h"
#include "transport/httptransport.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace keyward::app {

// The owner process's state (DESIGN.md "Processes"): the home's OwnerLock, the core (config,
// audit, secrets, gate, upstream), the MCP tools, the local socket that bridges and admin
// commands reach it on, and, when asked for, Streamable HTTP on 127.0.0.1 and ::1 for agents
// holding a `kwa_` token. `keyward serve` runs one, and so does the tray app (app/trayapp.h). It
// stops (quitting the event loop) when asked over the socket or when its socket file disappears
// (the home was removed or reset).
class Owner : public QObject {
    Q_OBJECT
public:
    struct Options {
        // nullopt: follow settings.http; 0: any free port.
        std::optional<quint16> httpPort;
        // What runs this owner, reported as "kind" by the status op: "serve" or "tray" (a tray does
        // not take over from another tray).
        QString kind = QStringLiteral("serve");
    };

    static Result<std::unique_ptr<Owner>> start(const KeywardHome &home, const Options &options);
    ~Owner() override;

    QString socketPath() const { return m_server->socketPath(); }
    // The MCP URL served over HTTP, or empty without HTTP. Without Options::httpPort the owner
    // follows settings.http live: turning it on or off or changing the port in config.json starts,
    // stops or moves the listener (sessions on the old one end) and emits httpChanged().
    QString httpUrl() const { return m_httpUrl; }
    // Why settings.http is not served, when the last change could not be (e.g. the port is taken).
    QString httpError() const { return m_httpError; }
    // `{"ready":true,"http":...}` (DESIGN.md), without a newline.
    QByteArray readyLine() const;
    CoreStack &core() { return *m_core; }
    // The anomaly alerts of this home (alerts/alertcenter.h): their read model for the tray
    // (alerts(), markSeen(), unseenCount(), alertsChanged(), unseenCountChanged()) and
    // openAuditRequested() when "Open audit" is pressed in a notification.
    AlertCenter &alerts() { return *m_alerts; }

    // The tray app's hooks; without them (`keyward serve`) "show" answers that the tray app is not
    // running and "confirm" answers at once that no confirmation is needed.
    // Opens or raises the window named by the "show" op; an error (e.g. a window not available)
    // is sent back as the op's error.
    using ShowWindow = std::function<Result<void>(const QString &window)>;
    void setShowWindow(ShowWindow show) { m_showWindow = std::move(show); }
    // Asks the user to confirm a widening change described by `summary`; `done` is called once
    // with the answer (false also when the user did not answer in time). `asker` is destroyed when
    // the command that asks has gone (or was answered): the question can be withdrawn then.
    using ConfirmChange =
        std::function<void(const QString &summary, std::function<void(bool confirmed)> done, QObject *asker)>;
    void setConfirmChange(ConfirmChange confirm) { m_confirmChange = std::move(confirm); }

Q_SIGNALS:
    void stopRequested();
    void httpChanged();

private:
    Owner(const KeywardHome &home, std::unique_ptr<daemon::OwnerLock> lock, std::unique_ptr<CoreStack> core);
    Result<nlohmann::json> handleAdmin(const std::string &op, const nlohmann::json &hello);
    void handleConfirm(const nlohmann::json &hello, daemon::OwnerServer::AnswerCallback answer, QObject *asker);
    void checkSocketStillThere();
    Result<void> startHttp(quint16 port);
    void stopHttp();
    void followHttpSettings(const Settings &settings);

    KeywardHome m_home;
    std::unique_ptr<daemon::OwnerLock> m_lock;
    std::unique_ptr<CoreStack> m_core;
    std::unique_ptr<Notifier> m_notifier;
    std::unique_ptr<AlertCenter> m_alerts;
    std::unique_ptr<mcp::KeywardTools> m_tools;
    std::unique_ptr<daemon::OwnerServer> m_server;
    std::unique_ptr<reverseproxy::ProxyEndpoint> m_proxy;
    std::unique_ptr<transport::HttpTransport> m_http;
    QString m_httpUrl;
    QString m_httpError;
    QString m_kind;
    ShowWindow m_showWindow;
    ConfirmChange m_confirmChange;
    QTimer m_socketWatch;
};

} // namespace keyward::app
