#include "upstream/callexecutor.h"

#include "audit/auditlog.h"
#include "config/configstore.h"
#include "config/units.h"
#include "core/logging.h"
#include "mcp/toolprovider.h"
#include "policy/denial.h"
#include "policy/effectivepolicy.h"
#include "policy/approvalprovider.h"
#include "policy/headerguard.h"
#include "policy/pathnormalizer.h"
#include "policy/queryguard.h"
#include "policy/ratelimiter.h"
#include "policy/rulematcher.h"
#include "policy/schedule.h"
#include "secrets/secretcache.h"
#include "state/killstate.h"
#include "upstream/credentialinjector.h"
#include "upstream/redactor.h"
#include "upstream/upstreamclient.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QStringDecoder>

#include <memory>

namespace keyward {

using json = nlohmann::json;

namespace {

const auto &log()
{
    static const auto logger = keyward::logger("core.execute");
    return logger;
}

QString ruleActionName(RuleAction action)
{
    switch (action) {
    case RuleAction::Allow: return QStringLiteral("allow");
    case RuleAction::Deny: return QStringLiteral("deny");
    case RuleAction::Ask: return QStringLiteral("ask");
    }
    return {};
}

QString authTypeName(AuthType type)
{
    switch (type) {
    case AuthType::Bearer: return QStringLiteral("bearer");
    case AuthType::Basic: return QStringLiteral("basic");
    case AuthType::Header: return QStringLiteral("header");
    case AuthType::Query: return QStringLiteral("query");
    }
    return {};
}


bool agentAllowed(const Policy &policy, const QString &agent)
{
    return !policy.agents || policy.agents->contains(agent);
}

bool isValidUtf8(const QByteArray &bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    (void)QString(decoder(bytes));
    return !decoder.hasError();
}

// Drops an incomplete UTF-8 sequence at the end (left by cutting a body at the cap).
QByteArray trimPartialUtf8(QByteArray bytes)
{
    qsizetype i = bytes.size();
    int continuation = 0;
    while (i > 0 && continuation < 4 && (uchar(bytes.at(i - 1)) & 0xC0) == 0x80) {
        --i;
        ++continuation;
    }
    if (i == 0)
        return bytes;
    const uchar lead = uchar(bytes.at(i - 1));
    const int expected = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
    if (lead >= 0xC0 && continuation < expected)
        bytes.truncate(i - 1);
    return bytes;
}

json effectiveRules(const Policy &policy)
{
    json rules = json::array();
    if (policy.rules.isEmpty()) {
        for (const char *method : {"GET", "HEAD"})
            rules.push_back({{"action", "allow"}, {"method", method}, {"path", "/**"}});
        return rules;
    }
    for (const Rule &rule : policy.rules)
        rules.push_back({{"action", ruleActionName(rule.action).toStdString()},
                         {"method", rule.method.toStdString()},
                         {"path", rule.path.toStdString()}});
    return rules;
}

QString cut(const QByteArray &bytes, qint64 cap)
{
    const QByteArray head = trimPartialUtf8(bytes.left(cap));
    return isValidUtf8(head) ? QString::fromUtf8(head) : QString::fromLatin1(head.toBase64());
}

} // namespace

struct CallExecutor::Call {
    quint64 id = 0;      // set while tracked in m_inFlight
    bool ended = false;  // `done` has run, or the executor is gone: nothing more happens
    ResultCallback done;
    AuditRow row;
    QElapsedTimer timer;
    qint64 auditBodyCap = 0; // 0 = bodies not audited

    // What the gate has established so far.
    Caller caller;
    mcp::ExecuteArguments args;
    QString serviceName;
    ServiceConfig service; // a copy: a reload during the call changes nothing for it
    QString path;          // normalized
    QUrl url;              // under the base URL, without query
    policy::FilteredHeaders headers;
    policy::QueryItems query;
    QString rule;          // the rule that allowed the call
    bool approved = false; // an `ask` rule matched and the user approved
    std::optional<RateLimit> serviceRate; // the service's own rate, before agent overrides

    // Ways a call in flight is stopped: the caller's cancellation, the upstream request's own.
    std::shared_ptr<Cancellation> external;
    Cancellation::Registration externalRegistration = 0;
    std::shared_ptr<Cancellation> upstream; // while the upstream request is in flight
    std::optional<KillRefusal> killedBy;    // why it was aborted, if it was: a kill switch
    QString cancelledBecause;               // ... or the caller's cancellation

    // Streaming (executeStreaming): where the response goes, the redaction state across chunks,
    // how much was released, and the start of the redacted body kept for the audit row.
    std::shared_ptr<StreamSink> sink;
    std::shared_ptr<Redactor::Stream> stream;
    qint64 streamed = 0;
    bool streamTruncated = false;
    QByteArray auditedBody;
};

CallExecutor::CallExecutor(ConfigStore &config, KillState &kills, SecretCache &secrets, UpstreamClient &upstream,
                           AuditLog &audit, QObject *parent)
    : QObject(parent), m_config(config), m_kills(kills), m_secrets(secrets), m_upstream(upstream), m_audit(audit)
{
    connect(&m_kills, &KillState::changed, this, &CallExecutor::abortKilledCalls);
}

CallExecutor::~CallExecutor()
{
    const auto calls = std::move(m_inFlight);
    m_inFlight.clear();
    for (const auto &[id, call] : calls) {
        call->ended = true;
        if (call->external)
            call->external->remove(call->externalRegistration);
        if (const auto upstream = call->upstream)
            upstream->cancel(QStringLiteral("Keyward is shutting down"));
    }
}

json CallExecutor::listServices(const Caller &caller) const
{
    json services = json::array();
    for (const auto &[name, configured] : m_config.config().services) {
        ServiceConfig service = configured;
        service.policy = policy::effectivePolicy(configured, caller.agent);
        if (!agentAllowed(service.policy, caller.agent))
            continue;
        json rate = nullptr;
        if (service.policy.rate)
            rate = {{"per", ratePerName(service.policy.rate->per).toStdString()},
                    {"n", service.policy.rate->n},
                    {"burst", service.policy.rate->burst}};
        json schedule = json::array();
        for (const QString &window : service.policy.schedule)
            schedule.push_back(window.toStdString());
        services.push_back({{"name", name.toStdString()},
                            {"description", service.description.toStdString()},
                            {"baseUrl", service.baseUrl.toStdString()},
                            {"auth", authTypeName(service.auth.type).toStdString()},
                            {"rules", effectiveRules(service.policy)},
                            {"rate", rate},
                            {"schedule", schedule},
                            {"requireReason", service.policy.requireReason},
                            {"state", m_kills.killed(name, caller.agent) ? "killed"
                                      : service.enabled                  ? "active"
                                                                         : "disabled"}});
    }
    return json{{"services", services}};
}

void CallExecutor::finish(Call &call, json result)
{
    if (call.ended)
        return;
    call.ended = true;
    // Keeps the call alive to the end of this function even when the tracking entry held it last.
    std::shared_ptr<Call> tracked;
    if (call.id != 0) {
        if (auto node = m_inFlight.extract(call.id))
            tracked = std::move(node.mapped());
    }
    // The cancellation itself stays referenced: this may run inside its cancel() or onCancel().
    if (call.external)
        call.external->remove(call.externalRegistration);
    call.row.durationMs = call.timer.elapsed();
    call.row.time = QDateTime::currentDateTimeUtc();
    const auto appended = m_audit.append(call.row);
    if (!appended) {
        log()->error("audit row could not be written: {}", appended.error().message.toStdString());
        result = mcp::toolError("denied",
                                "Keyward could not write this call to its audit log (" +
                                    appended.error().message.toStdString() +
                                    "), so it withholds the result; the user can check it with `keyward doctor`",
                                "audit:unavailable");
    }
    // `done` may drop the last reference to this call: run it from a local.
    const ResultCallback done = std::move(call.done);
    done(std::move(result));
}

void CallExecutor::refuseAsKilled(Call &call, const KillRefusal &refusal)
{
    call.row.decision = QStringLiteral("killed");
    call.row.rule = refusal.rule;
    finish(call, mcp::toolError("killed", refusal.message.toStdString(), refusal.rule.toStdString()));
}

bool CallExecutor::refuseIfKilled(Call &call)
{
    const auto refusal = m_kills.refusalFor(call.serviceName, call.caller.agent);
    if (!refusal)
        return false;
    refuseAsKilled(call, *refusal);
    return true;
}

bool CallExecutor::track(const std::shared_ptr<Call> &call)
{
    if (call->id != 0)
        return !call->ended;
    call->id = m_nextCallId++;
    m_inFlight.emplace(call->id, call);
    if (call->external) {
        // A weak reference: a registration left behind never keeps a call alive.
        call->externalRegistration = call->external->onCancel([this, weak = std::weak_ptr<Call>(call)](const QString &reason) {
            const auto cancelled = weak.lock();
            if (!cancelled || cancelled->ended || cancelled->killedBy || !cancelled->cancelledBecause.isEmpty())
                return;
            cancelled->cancelledBecause = reason.isEmpty() ? QStringLiteral("the caller went away") : reason;
            abort(cancelled);
        });
    }
    return !call->ended;
}

void CallExecutor::abort(const std::shared_ptr<Call> &call)
{
    if (call->ended)
        return;
    if (const auto upstream = call->upstream) {
        // The upstream answer (marked cancelled) ends the call, within cancel() or soon after.
        upstream->cancel(call->killedBy ? call->killedBy->rule : call->cancelledBecause);
        return;
    }
    endAborted(*call);
}

void CallExecutor::endAborted(Call &call)
{
    if (call.killedBy) {
        refuseAsKilled(call, *call.killedBy);
        return;
    }
    call.row.decision = QStringLiteral("error");
    call.row.rule = QStringLiteral("cancelled: ") + call.cancelledBecause.left(200);
    finish(call, mcp::toolError("upstream_error",
                                QStringLiteral("the call was cancelled before it completed (%1)")
                                    .arg(call.cancelledBecause.left(200))
                                    .toStdString()));
}

void CallExecutor::abortKilledCalls()
{
    if (!m_kills.switches().isEmpty())
        m_secrets.dropAll(); // DESIGN.md: the secret cache is dropped on kill
    std::vector<std::shared_ptr<Call>> calls;
    for (const auto &[id, call] : m_inFlight)
        calls.push_back(call);
    for (const auto &call : calls) {
        if (call->ended || call->killedBy || !call->cancelledBecause.isEmpty())
            continue;
        if (auto refusal = m_kills.refusalFor(call->serviceName, call->caller.agent)) {
            logger("core.execute")->info("aborting a call of {} to {}: {}", call->caller.agent.toStdString(),
                                         call->serviceName.toStdString(), refusal->rule.toStdString());
            call->killedBy = std::move(refusal);
            abort(call);
        }
    }
}

void CallExecutor::deny(Call &call, const QString &error, const QString &rule, const QString &message)
{
    const bool isDenial = error != QLatin1String("upstream_error") && error != QLatin1String("keychain_error");
    // Rows name the rule that decided; a refusal without one is recorded under its error code.
    call.row.decision = isDenial ? QStringLiteral("denied") : QStringLiteral("error");
    if (!rule.isEmpty())
        call.row.rule = rule;
    else
        call.row.rule = error; // upstream_error and keychain_error too, in place of the rule that allowed the call
    finish(call, mcp::toolError(error.toStdString(), message.toStdString(), rule.toStdString()));
}

QList<QSslCertificate> CallExecutor::caCertificates(const QString &path)
{
    if (path.isEmpty())
        return {};
    const QDateTime modified = QFileInfo(path).lastModified();
    auto &cached = m_caCache[path];
    if (cached.certificates.isEmpty() || cached.modified != modified)
        cached = CachedCa{modified, QSslCertificate::fromPath(path, QSsl::Pem)};
    return cached.certificates;
}

void CallExecutor::execute(const json &arguments, const Caller &caller, ResultCallback done,
                           std::shared_ptr<Cancellation> cancellation)
{
    start(arguments, caller, std::move(done), std::move(cancellation), nullptr);
}

void CallExecutor::executeStreaming(const json &arguments, const Caller &caller, std::shared_ptr<StreamSink> sink,
                                    ResultCallback done, std::shared_ptr<Cancellation> cancellation)
{
    start(arguments, caller, std::move(done), std::move(cancellation), std::move(sink));
}

void CallExecutor::start(const json &arguments, const Caller &caller, ResultCallback done,
                         std::shared_ptr<Cancellation> cancellation, std::shared_ptr<StreamSink> sink)
{
    auto call = std::make_shared<Call>();
    call->done = std::move(done);
    call->sink = std::move(sink);
    call->external = std::move(cancellation);
    call->timer.start();
    call->caller = caller;
    call->row.agent = caller.agent;
    call->row.client = caller.client;
    call->row.method = arguments.is_object() && arguments.value("method", json()).is_string()
                           ? QString::fromStdString(arguments["method"].get<std::string>()).left(16)
                           : QString();

    // The kill switch before anything else, even before the arguments are checked.
    const QString requested = arguments.is_object() && arguments.value("service", json()).is_string()
                                  ? QString::fromStdString(arguments["service"].get<std::string>())
                                  : QString();
    if (const auto refusal = m_kills.refusalFor(requested, caller.agent)) {
        if (m_config.config().services.count(requested))
            call->row.service = requested;
        refuseAsKilled(*call, *refusal);
        return;
    }

    const auto parsed = mcp::parseExecuteArguments(arguments);
    if (!parsed) {
        deny(*call, parsed.error().code, {}, parsed.error().message);
        return;
    }
    const mcp::ExecuteArguments &args = *parsed;
    call->row.service = args.service;
    if (!args.reason.isEmpty())
        call->row.reason = args.reason.left(1024);

    const Config &config = m_config.config();
    const auto found = config.services.find(args.service);
    if (found == config.services.end()) {
        QStringList known;
        for (const auto &[name, service] : config.services) {
            if (agentAllowed(policy::effectivePolicy(service, caller.agent), caller.agent))
                known << name;
        }
        call->row.service.clear();
        // The rule names the refusal so the audit (and the alerts watching for probing) can tell it apart.
        deny(*call, QStringLiteral("invalid_argument"), QStringLiteral("service:unknown"),
             QStringLiteral("unknown service `%1`; the services you may use are: %2")
                 .arg(args.service.left(64), known.isEmpty() ? QStringLiteral("(none configured)") : known.join(QStringLiteral(", "))));
        return;
    }
    const QString serviceName = found->first;
    // A copy with the agent's effective policy: a reload during the call changes nothing for it.
    ServiceConfig service = found->second;
    service.policy = policy::effectivePolicy(found->second, caller.agent);
    call->serviceRate = found->second.policy.rate;
    if (config.settings.auditBodies)
        call->auditBodyCap = config.settings.auditBodyCap;

    if (!service.enabled) {
        deny(*call, QStringLiteral("disabled"), QStringLiteral("service:disabled"),
             QStringLiteral("the service `%1` is disabled; the user can enable it with `keyward service enable %1`").arg(serviceName));
        return;
    }
    if (!agentAllowed(service.policy, caller.agent)) {
        deny(*call, QStringLiteral("denied"), QStringLiteral("agents"),
             QStringLiteral("the agent `%1` may not use the service `%2`; the user can allow it with "
                            "`keyward policy set %2 --agents ...`")
                 .arg(caller.agent, serviceName));
        return;
    }
    if (!policy::isSupportedMethod(args.method)) {
        deny(*call, QStringLiteral("denied"), QStringLiteral("guard:method"),
             QStringLiteral("`method` must be one of %1, in uppercase").arg(policy::supportedMethods().join(QStringLiteral(", "))));
        return;
    }
    const auto path = policy::normalizePath(args.path);
    if (!path) {
        deny(*call, QStringLiteral("denied"), policy::denialRule(path.error()), path.error().message);
        return;
    }
    call->row.path = *path;
    const auto url = policy::joinUnderBase(QUrl(service.baseUrl), *path);
    if (!url) {
        deny(*call, policy::errorKind(url.error()), policy::denialRule(url.error()), url.error().message);
        return;
    }
    const auto headers = policy::filterHeaders(args.headers, service);
    if (!headers) {
        deny(*call, policy::errorKind(headers.error()), policy::denialRule(headers.error()), headers.error().message);
        return;
    }
    const auto query = policy::checkQuery(args.query, service);
    if (!query) {
        deny(*call, policy::errorKind(query.error()), policy::denialRule(query.error()), query.error().message);
        return;
    }
    for (const auto &[key, value] : *query)
        call->row.queryKeys << key;

    call->args = args;
    call->serviceName = serviceName;
    call->service = service;
    call->path = *path;
    call->url = *url;
    call->headers = *headers;
    call->query = *query;

    if (!service.policy.schedule.isEmpty()) {
        const auto schedule = policy::parseSchedule(service.policy.schedule);
        const QDateTime now = m_now ? m_now() : QDateTime::currentDateTime();
        if (!schedule) {
            deny(*call, QStringLiteral("denied"), QStringLiteral("schedule:invalid"),
                 QStringLiteral("the schedule of `%1` is invalid (%2), so every call is refused until it is fixed")
                     .arg(serviceName, schedule.error().message));
            return;
        }
        if (!policy::isOpen(*schedule, now, m_zone)) {
            deny(*call, QStringLiteral("outside_schedule"), QStringLiteral("schedule"),
                 QStringLiteral("`%1` may only be called %2; next opening %3. The user can change it with "
                                "`keyward policy set %1 --schedule ...`")
                     .arg(serviceName, policy::describe(*schedule, m_zone),
                          policy::describeMoment(policy::nextOpening(*schedule, now, m_zone), m_zone)));
            return;
        }
    }

    const policy::RuleDecision decision = policy::decide(service.policy, args.method, *path);
    call->rule = decision.rule;
    call->row.rule = decision.rule;
    if (decision.action == RuleAction::Deny) {
        deny(*call, QStringLiteral("denied"), decision.rule,
             QStringLiteral("%1 %2 is not allowed by the policy of `%3` (%4); the user can allow it with "
                            "`keyward policy set %3 --allow '%1 %2'`")
                 .arg(args.method, *path, serviceName, decision.rule));
        return;
    }
    if (decision.action == RuleAction::Allow) {
        continueAfterRules(call);
        return;
    }
    if (!m_approvals) {
        deny(*call, QStringLiteral("approval_denied"), decision.rule,
             QStringLiteral("%1 %2 needs the user's approval (%3), and no Keyward tray is running to ask; the user "
                            "can start the tray app or change the rule")
                 .arg(args.method, *path, decision.rule));
        return;
    }
    const policy::ApprovalRequest request{caller.agent, caller.client, serviceName, args.method, *path, decision.rule, args.reason};
    if (!track(call))
        return;
    m_approvals->requestApproval(request, [this, call](policy::ApprovalDecision answer) {
        if (call->ended) // killed or cancelled while the user was asked
            return;
        if (answer == policy::ApprovalDecision::ApproveOnce || answer == policy::ApprovalDecision::ApproveAlways) {
            call->approved = true;
            continueAfterRules(call);
            return;
        }
        deny(*call, QStringLiteral("approval_denied"), call->rule,
             answer == policy::ApprovalDecision::TimedOut
                 ? QStringLiteral("the user did not answer the approval request in time")
                 : QStringLiteral("the user denied this call"));
    });
}

void CallExecutor::continueAfterRules(const std::shared_ptr<Call> &call)
{
    if (refuseIfKilled(*call)) // a kill may have come while the user was asked
        return;
    const mcp::ExecuteArguments &args = call->args;
    const ServiceConfig &service = call->service;
    const QString &serviceName = call->serviceName;
    if (service.policy.requireReason && args.reason.trimmed().isEmpty()) {
        deny(*call, QStringLiteral("reason_required"), QStringLiteral("requireReason"),
             QStringLiteral("the service `%1` requires a `reason` for every call; say why you make it").arg(serviceName));
        return;
    }
    // The service's own bucket is shared by every agent; the agent's bucket follows its effective rate.
    QList<QPair<QString, RateLimit>> buckets;
    const QString bucket = QStringLiteral("service:") + serviceName;
    if (call->serviceRate)
        buckets.append({bucket, *call->serviceRate});
    if (service.policy.rate)
        buckets.append({bucket + QStringLiteral("|agent:") + call->caller.agent, *service.policy.rate});
    if (!buckets.isEmpty()) {
        if (const auto taken = m_rates.take(buckets); !taken) {
            deny(*call, QStringLiteral("rate_limited"), QStringLiteral("rate"),
                 taken.error().message + QStringLiteral("; the user can raise it with `keyward policy set %1 --rate ...`").arg(serviceName));
            return;
        }
    }
    const QByteArray body = args.body.value_or(QByteArray());
    call->row.bytesIn = body.size();
    if (body.size() > service.policy.maxRequestBytes) {
        deny(*call, QStringLiteral("denied"), QStringLiteral("size:request"),
             QStringLiteral("the request body has %1 bytes, over the %2-byte limit of `%3`")
                 .arg(body.size())
                 .arg(service.policy.maxRequestBytes)
                 .arg(serviceName));
        return;
    }

    json dropped = json::array();
    for (const QString &name : call->headers.dropped)
        dropped.push_back(name.toStdString());

    if (!track(call))
        return;
    m_secrets.read(QStringLiteral("service/") + serviceName, [this, call, body, dropped](Result<QByteArray> secret) {
        if (call->ended) // killed or cancelled while the keychain answered
            return;
        if (!secret) {
            const QString message = secret.error().code == QLatin1String("not_found")
                                        ? QStringLiteral("the keychain holds no secret for `%1`; the user can store it "
                                                         "with `keyward service rotate %1`")
                                              .arg(call->serviceName)
                                        : secret.error().message;
            deny(*call, QStringLiteral("keychain_error"), {}, message);
            return;
        }
        if (refuseIfKilled(*call))
            return;
        sendUpstream(call, body, dropped, *secret);
    });
}

void CallExecutor::sendUpstream(const std::shared_ptr<Call> &call, const QByteArray &body, const json &dropped,
                                const QByteArray &secret)
{
    const ServiceConfig &service = call->service;
    const QString &serviceName = call->serviceName;
    const mcp::ExecuteArguments &args = call->args;
    // Built per call and dropped with it: the patterns are the secret in many encodings, and
    // must not outlive the cached secret (building one costs a few µs).
    const Redactor redactor(revealingForms(service, secret), serviceName);

    HeaderList outgoing;
    bool hasContentType = false;
    for (const auto &[name, value] : call->headers.headers) {
        hasContentType |= name.compare(QLatin1String("content-type"), Qt::CaseInsensitive) == 0;
        outgoing.append({name.toLatin1(), value.toUtf8()});
    }
    if (args.bodyIsJson && !hasContentType)
        outgoing.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    QueryList items = call->query;
    injectCredential(service, secret, outgoing, items);

    QUrl target = call->url;
    const QByteArray encodedQuery = policy::encodeQuery(items);
    if (!encodedQuery.isEmpty())
        target.setQuery(QString::fromLatin1(encodedQuery), QUrl::StrictMode);

    if (call->auditBodyCap > 0 && !body.isEmpty())
        call->row.requestBody = cut(redactor.redact(body), call->auditBodyCap);

    UpstreamRequest request;
    request.url = target;
    request.method = args.method.toLatin1();
    request.headers = std::move(outgoing);
    request.body = body;
    request.timeoutMs = service.policy.timeoutMs;
    request.maxResponseBytes = service.policy.maxResponseBytes;
    request.overreadBytes = redactor.longestEncodedLength();
    request.extraCaCertificates = caCertificates(service.caFile);

    if (call->sink)
        prepareStreaming(call, redactor, request);

    call->upstream = Cancellation::create();
    m_upstream.send(request, [this, call, redactor, request, dropped, serviceName](Result<UpstreamResponse> response) {
        if (call->ended) // the executor is gone, or the call already ended
            return;
        call->upstream.reset(); // abort() holds its own reference while it cancels
        if (response && response->cancelled) {
            if (response->status > 0)
                call->row.status = response->status;
            call->row.bytesOut = response->bytesReceived;
            endAborted(*call);
            return;
        }
        if (!response) {
            // Messages name host and cause only; the URL's query (which may hold a query-key
            // credential) is never part of them. Redact anyway.
            deny(*call, QStringLiteral("upstream_error"), {},
                 QString::fromUtf8(redactor.redact(response.error().message.toUtf8())));
            return;
        }
        const UpstreamResponse &reply = *response;
        if (reply.status == 401) // the key may have been rotated meanwhile: read it afresh next time
            m_secrets.drop(QStringLiteral("service/") + serviceName);
        call->row.status = reply.status;
        call->row.bytesOut = reply.bytesReceived;
        call->row.decision = call->approved ? QStringLiteral("approved") : QStringLiteral("allowed");
        if (call->sink) {
            finishStreaming(*call, reply, request.maxResponseBytes, dropped);
            return;
        }

        QByteArray body;
        if (reply.truncated) {
            // Release only what the stream deems complete: a secret cut by the cap stays held back.
            Redactor::Stream stream = redactor.stream();
            body = stream.feed(reply.body).left(request.maxResponseBytes);
        } else {
            body = redactor.redact(reply.body);
        }

        json headersOut = json::object();
        QByteArray contentType;
        for (const auto &[name, value] : reply.headers) {
            const std::string key = name.toStdString();
            const std::string clean = QString::fromUtf8(redactor.redact(value)).toStdString();
            if (name == "content-type")
                contentType = value.toLower();
            headersOut[key] = headersOut.contains(key) ? headersOut[key].get<std::string>() + ", " + clean : clean;
        }

        json result{{"status", reply.status}, {"headers", headersOut}, {"truncated", reply.truncated}};
        const bool looksJson = contentType.contains("json");
        json parsedBody = json::value_t::discarded;
        if (!reply.truncated && looksJson)
            parsedBody = json::parse(body.begin(), body.end(), nullptr, false);
        if (!parsedBody.is_discarded()) {
            result["body"] = parsedBody;
        } else {
            const QByteArray text = reply.truncated ? trimPartialUtf8(body) : body;
            if (isValidUtf8(text)) {
                result["body"] = text.toStdString();
            } else {
                result["body"] = body.toBase64().toStdString();
                result["bodyEncoding"] = "base64";
            }
        }
        if (!dropped.empty())
            result["droppedHeaders"] = dropped;
        if (call->auditBodyCap > 0 && !body.isEmpty())
            call->row.responseBody = cut(body, call->auditBodyCap);
        finish(*call, mcp::toolSuccess(result));
    }, call->upstream);
}

namespace {

// Headers that describe the upstream's framing of the body, which Keyward re-frames (and may
// change in length by redacting); the transport adds its own.
bool isFramingHeader(const QByteArray &name)
{
    return name == "content-length" || name == "content-encoding" || name == "transfer-encoding" ||
           name == "connection" || name == "keep-alive" || name == "trailer" || name == "upgrade";
}

} // namespace

void CallExecutor::prepareStreaming(const std::shared_ptr<Call> &call, const Redactor &redactor, UpstreamRequest &request)
{
    call->stream = std::make_shared<Redactor::Stream>(redactor.stream());
    const qint64 cap = request.maxResponseBytes;
    // The weak pointer: the request's callbacks must not keep an ended call alive.
    std::weak_ptr<Call> weak = call;
    request.onHead = [weak, redactor](int status, const HeaderList &headers) {
        const auto call = weak.lock();
        if (!call || call->ended || !call->sink)
            return;
        HeaderList clean;
        for (const auto &[name, value] : headers) {
            if (!isFramingHeader(name))
                clean.append({name, redactor.redact(value)});
        }
        call->sink->head(status, clean);
    };
    request.onBody = [weak, cap](const QByteArray &chunk) {
        const auto call = weak.lock();
        if (!call || call->ended || !call->sink || call->streamTruncated)
            return;
        QByteArray released = call->stream->feed(chunk);
        if (call->streamed + released.size() > cap) {
            released.truncate(cap - call->streamed);
            call->streamTruncated = true;
        }
        call->streamed += released.size();
        if (call->auditBodyCap > call->auditedBody.size())
            call->auditedBody += released.left(call->auditBodyCap - call->auditedBody.size());
        if (!released.isEmpty())
            call->sink->body(released);
    };
}

void CallExecutor::finishStreaming(Call &call, const UpstreamResponse &reply, qint64 cap, const json &dropped)
{
    // What the stream still held back (a possible start of a secret) is released now, redacted,
    // unless the cap already cut the body.
    if (!call.streamTruncated && !reply.truncated) {
        QByteArray rest = call.stream->finish();
        if (call.streamed + rest.size() > cap) {
            rest.truncate(cap - call.streamed);
            call.streamTruncated = true;
        }
        call.streamed += rest.size();
        if (call.auditBodyCap > call.auditedBody.size())
            call.auditedBody += rest.left(call.auditBodyCap - call.auditedBody.size());
        if (!rest.isEmpty())
            call.sink->body(rest);
    }
    call.stream.reset();
    if (call.auditBodyCap > 0 && !call.auditedBody.isEmpty())
        call.row.responseBody = call.auditedBody;
    json result{{"status", reply.status},
                {"headers", json::object()},
                {"body", ""},
                {"truncated", reply.truncated || call.streamTruncated}};
    if (!dropped.empty())
        result["droppedHeaders"] = dropped;
    finish(call, mcp::toolSuccess(result));
}

} // namespace keyward
