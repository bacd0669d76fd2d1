#include "owner.h"

#include "agents/agenttokens.h"
#include "alerts/dbusnotifier.h"
#include "core/logging.h"
#include "core/version.h"
#include "daemon/ownerprotocol.h"

#include <QCoreApplication>
#include <QFileInfo>

namespace keyward::app {

namespace {

const auto &log()
{
    static const auto logger = keyward::logger("owner");
    return logger;
}

} // namespace

Owner::Owner(const KeywardHome &home, std::unique_ptr<daemon::OwnerLock> lock, std::unique_ptr<CoreStack> core)
    : m_home(home), m_lock(std::move(lock)), m_core(std::move(core))
{
}

Owner::~Owner()
{
    // Stop accepting before the core goes: no session may outlive the tools it calls.
    m_http.reset();
    m_server.reset();
    m_alerts.reset();
}

Result<std::unique_ptr<Owner>> Owner::start(const KeywardHome &home, const Options &options)
{
    auto lock = daemon::OwnerLock::acquire(home);
    if (!lock)
        return lock.error();
    auto core = CoreStack::create(home);
    if (!core)
        return core.error();

    std::unique_ptr<Owner> owner(new Owner(home, std::move(lock).value(), std::move(core).value()));
    owner->m_kind = options.kind;
    // Alerts before any call can be served: every audited row reaches them.
    owner->m_alerts = std::make_unique<AlertCenter>(home, owner->m_core->audit(), owner->m_core->config(),
                                                    owner->m_core->kills());
    owner->m_notifier = std::make_unique<DBusNotifier>();
    owner->m_alerts->setNotifier(owner->m_notifier.get());
    if (auto watching = owner->m_alerts->start(); !watching)
        log()->error("anomaly alerts are off for this run: {}", watching.error().message.toStdString());
    owner->m_tools = std::make_unique<mcp::KeywardTools>(owner->m_core->executor());
    Owner *self = owner.get();
    owner->m_server = std::make_unique<daemon::OwnerServer>(
        *owner->m_tools, [self](const std::string &op, const nlohmann::json &hello) { return self->handleAdmin(op, hello); });
    owner->m_server->setDeferredAdminOp(
        "confirm", [self](const nlohmann::json &hello, daemon::OwnerServer::AnswerCallback answer, QObject *asker) {
            self->handleConfirm(hello, std::move(answer), asker);
        });
    if (auto listening = owner->m_server->listen(daemon::ownerSocketPath(home)); !listening)
        return listening.error();

    const Settings &settings = owner->m_core->config().config().settings;
    if (options.httpPort.has_value() || settings.httpEnabled) {
        const quint16 port = options.httpPort.value_or(quint16(settings.httpPort));
        if (auto listening = owner->startHttp(port); !listening) {
            return Error{listening.error().code,
                         listening.error().message +
                             (options.httpPort ? QString()
                                               : QStringLiteral(" (settings.http.port in config.json; or pick another "
                                                                "port with keyward serve --http PORT)"))};
        }
    }
    if (!options.httpPort.has_value()) {
        QObject::connect(&owner->m_core->config(), &ConfigStore::changed, self,
                         [self](const Config &config) { self->followHttpSettings(config.settings); });
    }

    owner->m_socketWatch.setInterval(1000);
    QObject::connect(&owner->m_socketWatch, &QTimer::timeout, self, &Owner::checkSocketStillThere);
    owner->m_socketWatch.start();
    log()->info("keyward {} owns {} (socket {})", kVersion,
                (home.isExplicit() ? home.homeDir() : home.configDir()).toStdString(), self->socketPath().toStdString());
    return owner;
}

Result<void> Owner::startHttp(quint16 port)
{
    ConfigStore *config = &m_core->config();
    auto http = std::make_unique<transport::HttpTransport>(*m_tools, [config](QByteArrayView token) {
        return authenticateAgent(config->config(), token, QDateTime::currentDateTimeUtc());
    });
    auto proxy = std::make_unique<reverseproxy::ProxyEndpoint>(m_core->config(), m_core->executor());
    reverseproxy::ProxyEndpoint *proxyEndpoint = proxy.get();
    http->setProxyHandler([proxyEndpoint](transport::HttpExchangeRequest request,
                                          std::shared_ptr<transport::HttpStreamResponder> responder) {
        proxyEndpoint->handle(std::move(request), std::move(responder));
    });
    if (auto listening = http->listen(port); !listening)
        return listening.error();
    m_http = std::move(http);
    m_proxy = std::move(proxy);
    m_httpUrl = m_http->mcpUrl();
    return {};
}

void Owner::stopHttp()
{
    m_http.reset(); // before the proxy endpoint its handler points at
    m_proxy.reset();
    m_httpUrl.clear();
}

void Owner::followHttpSettings(const Settings &settings)
{
    const quint16 wanted = settings.httpEnabled ? quint16(settings.httpPort) : 0;
    const quint16 serving = m_http ? m_http->port() : 0;
    if (wanted == serving)
        return;
    stopHttp();
    if (wanted != 0) {
        if (auto listening = startHttp(wanted); !listening) {
            log()->error("settings.http asks for port {}, which cannot be served: {}", wanted,
                         listening.error().message.toStdString());
            m_httpError = listening.error().message;
        } else {
            log()->info("serving MCP over HTTP at {} (settings.http changed)", m_httpUrl.toStdString());
            m_httpError.clear();
        }
    } else {
        log()->info("HTTP for agents is off (settings.http changed)");
        m_httpError.clear();
    }
    Q_EMIT httpChanged();
}

QByteArray Owner::readyLine() const
{
    const nlohmann::json ready{{"ready", true},
                               {"http", m_httpUrl.isEmpty() ? nlohmann::json() : nlohmann::json(m_httpUrl.toStdString())}};
    return QByteArray::fromStdString(ready.dump());
}

Result<nlohmann::json> Owner::handleAdmin(const std::string &op, const nlohmann::json &hello)
{
    if (op == "status") {
        return nlohmann::json{{"version", kVersion},
                              {"kind", m_kind.toStdString()},
                              {"socket", socketPath().toStdString()},
                              {"http", m_httpUrl.isEmpty() ? nlohmann::json() : nlohmann::json(m_httpUrl.toStdString())},
                              {"sessions", m_server->mcpConnectionCount()}};
    }
    if (op == "reload") {
        // An admin command changed the home: follow it now rather than when the watchers fire.
        m_core->config().reload();
        m_core->kills().reload();
        m_core->secrets().dropAll();
        m_alerts->refresh();
        return nlohmann::json::object();
    }
    if (op == "unlock") {
        // The passphrase came over the user-only socket; it is never logged or echoed.
        const auto passphrase = hello.find("passphrase");
        if (passphrase == hello.end() || !passphrase->is_string())
            return Error{QString::fromLatin1(daemon::owner_errors::kBadHello), QStringLiteral("unlock needs a passphrase")};
        QByteArray bytes = QByteArray::fromStdString(passphrase->get<std::string>());
        const auto unlocked = m_core->unlockFileStore(bytes);
        bytes.fill('\0');
        if (!unlocked)
            return unlocked.error();
        log()->info("the encrypted file store was unlocked over the owner socket");
        return nlohmann::json::object();
    }
    if (op == "show") {
        const auto window = hello.find("window");
        if (window == hello.end() || !window->is_string())
            return Error{QString::fromLatin1(daemon::owner_errors::kBadHello), QStringLiteral("show needs a window name")};
        if (!m_showWindow) {
            return Error{QStringLiteral("tray_not_running"),
                         QStringLiteral("the Keyward tray app is not running: this home's owner is `keyward %1`; start "
                                        "the tray app with `keyward` (it takes over) and try again")
                             .arg(m_kind)};
        }
        if (const auto shown = m_showWindow(QString::fromStdString(window->get<std::string>())); !shown)
            return shown.error();
        return nlohmann::json::object();
    }
    if (op == "stop") {
        log()->info("stopping on request over the owner socket");
        QTimer::singleShot(0, this, &Owner::stopRequested);
        return nlohmann::json::object();
    }
    return Error{QString::fromLatin1(daemon::owner_errors::kBadHello),
                 QStringLiteral("unknown admin op '%1' (expected status, reload, unlock, show, confirm or stop)").arg(QString::fromStdString(op))};
}

void Owner::handleConfirm(const nlohmann::json &hello, daemon::OwnerServer::AnswerCallback answer, QObject *asker)
{
    static constexpr qsizetype kMaxSummary = 4000;
    const auto summary = hello.find("summary");
    if (summary == hello.end() || !summary->is_string() || summary->get<std::string>().empty()) {
        answer(Error{QString::fromLatin1(daemon::owner_errors::kBadHello), QStringLiteral("confirm needs a summary")});
        return;
    }
    if (!m_confirmChange) {
        answer(nlohmann::json{{"confirmed", true}, {"asked", false}});
        return;
    }
    QString text = QString::fromStdString(summary->get<std::string>());
    if (text.size() > kMaxSummary)
        text = text.left(kMaxSummary) + QStringLiteral("…");
    log()->info("asking the user to confirm a change that widens access");
    m_confirmChange(
        text,
        [answer](bool confirmed) {
            log()->info("the widening change was {}", confirmed ? "confirmed" : "not confirmed");
            answer(nlohmann::json{{"confirmed", confirmed}, {"asked", true}});
        },
        asker);
}

void Owner::checkSocketStillThere()
{
    if (QFileInfo::exists(socketPath()))
        return;
    log()->warn("{} disappeared (the home was removed or reset): stopping", socketPath().toStdString());
    m_socketWatch.stop();
    Q_EMIT stopRequested();
}

} // namespace keyward::app
