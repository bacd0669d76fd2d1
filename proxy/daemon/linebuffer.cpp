#include "daemon/linebuffer.h"

namespace keyward::daemon {

QList<QByteArray> LineBuffer::feed(const QByteArray &bytes)
{
    QList<QByteArray> lines;
    if (m_overflowed)
        return lines;
    m_pending.append(bytes);
    qsizetype start = 0;
    while (true) {
        const qsizetype end = m_pending.indexOf('\n', start);
        if (end < 0)
            break;
        if (end - start > m_max) {
            m_overflowed = true;
            m_pending.clear();
            return lines;
        }
        qsizetype length = end - start;
        if (length > 0 && m_pending.at(end - 1) == '\r')
            --length;
        lines.append(m_pending.mid(start, length));
        start = end + 1;
    }
    m_pending.remove(0, start);
    if (m_pending.size() > m_max) {
        m_overflowed = true;
        m_pending.clear();
    }
    return lines;
}

} // namespace keyward::daemon
