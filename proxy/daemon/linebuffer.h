#pragma once

#include <QByteArray>
#include <QList>

namespace keyward::daemon {

// Splits a byte stream into '\n'-terminated lines (the '\n' and one '\r' before it removed),
// refusing any line longer than `maxLineBytes`: once one is seen, overflowed() stays true and no
// more lines are returned (the connection is to be closed).
class LineBuffer {
public:
    explicit LineBuffer(qsizetype maxLineBytes) : m_max(maxLineBytes) {}

    // Appends `bytes` and returns the complete lines they finish, in order.
    QList<QByteArray> feed(const QByteArray &bytes);
    bool overflowed() const { return m_overflowed; }

private:
    qsizetype m_max;
    QByteArray m_pending;
    bool m_overflowed = false;
};

} // namespace keyward::daemon
