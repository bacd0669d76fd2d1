#pragma once

#include <QByteArray>
#include <QString>

namespace keyward::clients {

// A unified diff (`diff -u` style, 3 lines of context) of `before` → `after`, with
// `--- a/<label>` / `+++ b/<label>` headers; empty when the two are equal. Lines are compared
// byte for byte (a CRLF line differs from the same LF line); a last line without a newline is
// marked with "\ No newline at end of file". Meant for what a user reviews before a write: the
// caller makes sure neither side holds a secret it must not show.
QString unifiedDiff(const QByteArray &before, const QByteArray &after, const QString &label);

} // namespace keyward::clients
