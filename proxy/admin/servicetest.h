#pragma once

#include "config/config.h"
#include "core/result.h"
#include "upstream/callexecutor.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace keyward {
class AuditLog;
class KillState;
}

namespace keyward::admin {

// The test call of a service (`keyward service test`, the wizard's Test button): one real call
// through the full gate, GET the service's testPath, or HEAD on its base URL without one.

struct ServiceTestOutcome {
    QString method; // "GET" or "HEAD"
    QString path;   // the testPath, or "/"
    int status = 0; // the upstream's HTTP status
    bool ok() const { return status > 0 && status < 400; }
};
using ServiceTestCallback = std::function<void(Result<ServiceTestOutcome>)>;

// The `execute` arguments of the test call of `service` named `name`.
nlohmann::json serviceTestArguments(const QString &name, const ServiceConfig &service);

// Makes the test call of the configured service `name` through `executor` as `caller`. `done`
// runs exactly once (possibly before this returns, for a refusal): the outcome when the upstream
// answered (any status), else the refusal or failure of the gate (its code, e.g. killed, disabled,
// upstream_error, and message).
void testService(CallExecutor &executor, const QString &name, const ServiceConfig &service, const Caller &caller,
                 ServiceTestCallback done);

// The test call of a service that is not saved yet (the wizard's Test), with its secret held in
// memory only: the same gate, credential injector, upstream client and redaction as testService(),
// run by a private CallExecutor over a config that holds only this service (written to a temporary
// directory, never a secret) and an in-memory store holding only this secret, wiped when the call
// ended. Nothing is written to the home's config or secret store. The home's kill switches
// (`kills`) apply, and the call is recorded in `audit` like any other call of `caller`.
class DraftServiceTest : public QObject {
    Q_OBJECT
public:
    // Holds references to the arguments; each must outlive this object.
    DraftServiceTest(KillState &kills, AuditLog &audit, QNetworkAccessManager &network, QObject *parent = nullptr);
    ~DraftServiceTest() override;

    // Starts the test call of `service` as `name` with `secret` (moved in and wiped). `done` runs
    // exactly once, from the event loop, unless this object is destroyed first. One call at a
    // time: a second run() while one is in flight fails at once with code "busy".
    void run(const QString &name, const ServiceConfig &service, QByteArray secret, const Caller &caller,
             ServiceTestCallback done);
    bool running() const { return m_call != nullptr; }

private:
    struct Call;
    void finish(Result<ServiceTestOutcome> outcome);

    KillState &m_kills;
    AuditLog &m_audit;
    QNetworkAccessManager &m_network;
    std::unique_ptr<Call> m_call;
    ServiceTestCallback m_done;
};

} // namespace keyward::admin
