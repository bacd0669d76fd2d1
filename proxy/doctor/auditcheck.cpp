#include "doctor/checks.h"

#include "audit/auditlog.h"

#include <QFileInfo>

namespace keyward::doctor_checks {

namespace {

const QString kAuditName = QString::fromLatin1(kAudit);

// How to set a broken or damaged audit.db aside: the file is evidence, so it is moved, never
// deleted, and only while no Keyward process holds it (its -wal may hold the newest rows).
QString moveAside(const QString &path)
{
    return QStringLiteral("stop every Keyward process, then move the file aside to keep it as evidence (mv %1 %2); "
                          "Keyward starts a new audit log at the next call")
        .arg(shellQuote(path), shellQuote(path + QStringLiteral(".broken")));
}

// The fix for an error AuditLog returned while opening or reading the file.
QString fixFor(const Error &error, const QString &path)
{
    if (error.message.contains(QLatin1String("upgrade Keyward")))
        return QStringLiteral("upgrade Keyward to the version that wrote %1").arg(shellQuote(path));
    if (error.message.contains(QLatin1String("locked by another process")))
        return QStringLiteral("run `keyward doctor` again in a moment, or stop the Keyward process holding the file");
    if (error.message.contains(QLatin1String("move it aside")))
        return moveAside(path);
    return QStringLiteral("make %1 and its folder readable by you (chmod 600 %1), then run `keyward doctor` again")
        .arg(shellQuote(path));
}

} // namespace

DoctorCheck audit(const KeywardHome &home)
{
    const QString path = home.auditDatabase();
    const QFileInfo info(path);
    if (!info.exists())
        return DoctorCheck::pass(kAuditName, QStringLiteral("no audit yet (%1 is created at the first call or change)").arg(path));
    if (!info.isFile())
        return DoctorCheck::fail(kAuditName, QStringLiteral("%1 is not a file").arg(path), moveAside(path));
    if (info.size() == 0)
        return DoctorCheck::pass(kAuditName, QStringLiteral("no audit yet (%1 is empty)").arg(path));

    AuditLog log(path);
    if (auto opened = log.openReadOnly(); !opened)
        return DoctorCheck::fail(kAuditName, opened.error().message, fixFor(opened.error(), path));
    const auto report = log.verify();
    if (!report)
        return DoctorCheck::fail(kAuditName, report.error().message, fixFor(report.error(), path));
    if (!report->ok) {
        return DoctorCheck::fail(kAuditName,
                                 QStringLiteral("%1: the hash chain is broken at seq %2: %3")
                                     .arg(path)
                                     .arg(*report->badSeq)
                                     .arg(report->problem),
                                 QStringLiteral("run `keyward log verify` to see the first bad row; a broken chain "
                                                "cannot be repaired: %1")
                                     .arg(moveAside(path)));
    }
    if (report->rows == 0)
        return DoctorCheck::pass(kAuditName, QStringLiteral("%1 holds no rows yet").arg(path));
    return DoctorCheck::pass(kAuditName, QStringLiteral("%1: the hash chain of %2 rows verifies (seq %3 to %4)")
                                             .arg(path)
                                             .arg(report->rows)
                                             .arg(report->firstSeq)
                                             .arg(report->lastSeq));
}

} // namespace keyward::doctor_checks
