// Gate cost per decision: the pure policy work CallExecutor does before any I/O — effective
// policy for the agent, path normalization, header and query guards, rule decision and the rate
// buckets — with 100 rules and 10 agents with overrides, against the same work on a service with
// no rules and no overrides, measured in the same run.

#include "bench.h"

#include "policy/effectivepolicy.h"
#include "policy/headerguard.h"
#include "policy/pathnormalizer.h"
#include "policy/queryguard.h"
#include "policy/ratelimiter.h"
#include "policy/rulematcher.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

namespace keyward::bench {

namespace {

ServiceConfig serviceWithRules(int rules, int agents)
{
    ServiceConfig service;
    service.baseUrl = QStringLiteral("https://api.example/v1");
    for (int i = 0; i < rules; ++i) {
        service.policy.rules.append(Rule{i % 10 == 0 ? RuleAction::Deny : RuleAction::Allow,
                                         i % 2 ? QStringLiteral("GET") : QStringLiteral("POST"),
                                         QStringLiteral("/repos/*/project%1/**").arg(i)});
    }
    service.policy.rate = RateLimit{RatePer::Second, 1000000000, 1000000000};
    for (int i = 0; i < agents; ++i) {
        service.agentPoliciesJson[QStringLiteral("agent%1").arg(i)] =
            QStringLiteral("{\"rate\":{\"per\":\"s\",\"n\":1000000000,\"burst\":1000000000},\"requireReason\":%1}")
                .arg(i % 2 ? QStringLiteral("true") : QStringLiteral("false"));
    }
    return service;
}

double nanosecondsPerDecision(const ServiceConfig &service, int iterations, std::size_t &sink)
{
    policy::RateLimiter rates;
    const nlohmann::json headers{{"Accept", "application/json"}, {"X-Trace", "1"}};
    const nlohmann::json query{{"page", "2"}, {"per_page", "50"}};
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) {
        const QString agent = QStringLiteral("agent%1").arg(i % 10);
        ServiceConfig effective = service;
        effective.policy = policy::effectivePolicy(service, agent);
        const auto path = policy::normalizePath(QStringLiteral("/repos/octo/project%1/issues/%2").arg(i % 120).arg(i));
        const auto filtered = policy::filterHeaders(headers, effective);
        const auto items = policy::checkQuery(query, effective);
        const auto decision = policy::decide(effective.policy, QStringLiteral("GET"), path.ok() ? *path : QString());
        QList<QPair<QString, RateLimit>> buckets{{QStringLiteral("service:s|agent:") + agent, *effective.policy.rate}};
        const auto taken = rates.take(buckets);
        sink += std::size_t(decision.rule.size()) + filtered.ok() + items.ok() + taken.ok();
    }
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / iterations;
}

} // namespace

std::size_t runGateBenchmark(int iterations)
{
    std::size_t sink = 0;
    const ServiceConfig plain = serviceWithRules(0, 0);
    const ServiceConfig busy = serviceWithRules(100, 10);
    nanosecondsPerDecision(busy, iterations / 10, sink); // warm up
    const double baseline = nanosecondsPerDecision(plain, iterations, sink);
    const double gate = nanosecondsPerDecision(busy, iterations, sink);
    std::printf("bench gate: %d decisions, baseline (no rules, no agents) %.0f ns/decision, 100 rules + 10 agents %.0f "
                "ns/decision, ratio %.2f\n",
                iterations, baseline, gate, gate / baseline);
    return sink;
}

} // namespace keyward::bench
