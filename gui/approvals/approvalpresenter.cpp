#include "approvals/approvalpresenter.h"

#include <QElapsedTimer>

#include <memory>

namespace keyward::gui {

ApprovalPresenter::ApprovalPresenter(Clock clock, QObject *parent) : QObject(parent), m_clock(std::move(clock))
{
    if (!m_clock) {
        auto elapsed = std::make_shared<QElapsedTimer>();
        elapsed->start();
        m_clock = [elapsed] { return elapsed->elapsed(); };
    }
    m_timer.setInterval(kTickMs);
    connect(&m_timer, &QTimer::timeout, this, &ApprovalPresenter::tick);
}

ApprovalPresenter::~ApprovalPresenter()
{
    const QList<Entry> entries = std::exchange(m_entries, {});
    for (const Entry &entry : entries) {
        if (entry.approve)
            entry.approve(policy::ApprovalDecision::Deny);
        else if (entry.confirm)
            entry.confirm(false);
    }
}

void ApprovalPresenter::setAlwaysAllow(CanAlwaysAllow can, AlwaysAllow persist)
{
    m_canAlways = std::move(can);
    m_always = std::move(persist);
}

void ApprovalPresenter::requestApproval(const policy::ApprovalRequest &request, DecisionCallback decide)
{
    Entry entry;
    entry.decision.kind = PendingDecision::Kind::Approval;
    entry.decision.request = request;
    entry.decision.canAlways = m_canAlways && m_always && m_canAlways(request);
    entry.approve = std::move(decide);
    add(std::move(entry));
}

int ApprovalPresenter::requestConfirmation(const QString &summary, std::function<void(bool)> done)
{
    Entry entry;
    entry.decision.kind = PendingDecision::Kind::Confirmation;
    entry.decision.summary = summary;
    entry.confirm = std::move(done);
    return add(std::move(entry));
}

bool ApprovalPresenter::withdraw(int id)
{
    if (!find(id))
        return false;
    finish(id, policy::ApprovalDecision::Deny);
    return true;
}

int ApprovalPresenter::add(Entry entry)
{
    entry.decision.id = m_nextId++;
    entry.decision.deadlineMs = m_clock() + kTimeoutMs;
    const int id = entry.decision.id;
    m_entries.append(std::move(entry));
    if (!m_timer.isActive())
        m_timer.start();
    Q_EMIT added(id);
    return id;
}

QList<PendingDecision> ApprovalPresenter::pending() const
{
    QList<PendingDecision> decisions;
    for (const Entry &entry : m_entries)
        decisions << entry.decision;
    return decisions;
}

std::optional<PendingDecision> ApprovalPresenter::find(int id) const
{
    for (const Entry &entry : m_entries) {
        if (entry.decision.id == id)
            return entry.decision;
    }
    return std::nullopt;
}

int ApprovalPresenter::secondsLeft(int id) const
{
    const auto decision = find(id);
    if (!decision)
        return 0;
    const qint64 left = decision->deadlineMs - m_clock();
    return left <= 0 ? 0 : int((left + 999) / 1000);
}

bool ApprovalPresenter::decide(int id, policy::ApprovalDecision decision)
{
    const auto found = find(id);
    if (!found || decision == policy::ApprovalDecision::TimedOut)
        return false;
    if (decision == policy::ApprovalDecision::ApproveAlways) {
        if (found->kind != PendingDecision::Kind::Approval || !found->canAlways)
            return false;
        if (const auto persisted = m_always(found->request); !persisted) {
            Q_EMIT failed(tr("%1 %2 was approved once, but could not be allowed always: %3")
                              .arg(found->request.method, found->request.path, persisted.error().message));
            decision = policy::ApprovalDecision::ApproveOnce;
        }
    }
    finish(id, decision);
    return true;
}

void ApprovalPresenter::tick()
{
    const qint64 now = m_clock();
    QList<int> expired;
    for (const Entry &entry : std::as_const(m_entries)) {
        if (entry.decision.deadlineMs <= now)
            expired << entry.decision.id;
    }
    for (const int id : expired)
        finish(id, policy::ApprovalDecision::TimedOut);
    if (m_entries.isEmpty())
        m_timer.stop();
    Q_EMIT ticked();
}

void ApprovalPresenter::finish(int id, policy::ApprovalDecision decision)
{
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        if (m_entries.at(i).decision.id != id)
            continue;
        const Entry entry = m_entries.takeAt(i);
        if (m_entries.isEmpty())
            m_timer.stop();
        Q_EMIT removed(id);
        if (entry.approve) {
            entry.approve(decision);
        } else if (entry.confirm) {
            entry.confirm(decision == policy::ApprovalDecision::ApproveOnce);
        }
        return;
    }
}

} // namespace keyward::gui
