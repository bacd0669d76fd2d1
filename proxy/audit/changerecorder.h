#pragma once

#include "audit/auditlog.h"
#include "audit/auditrow.h"
#include "core/result.h"

#include <QString>

namespace keyward {

// The `client` of every change row written by the command line.
inline constexpr QLatin1String kChangeClient("keyward-cli");

// Appends the `change` row of one admin change (DESIGN.md "Audit") to `audit` and returns it as
// stored: decision "change", method = `command` (the command as typed, e.g. "service add"),
// path = `target` (what it acted on, e.g. the service name), reason = `whatChanged`, agent =
// `agent` (who asked: "cli" for the command line), service = `service`
// (the service the change concerns, so `keyward log --service NAME` lists it; empty when none),
// client = `client` (kChangeClient for the command line, "keyward-tray" for the tray), time = now
// (UTC). Callers record the row right after the change succeeded.
//
// `whatChanged` is a short human summary written by the caller and must never contain a secret:
// name what changed ("secret replaced"), never a value that could be one. Errors are AuditLog's
// ("audit_error"); the change itself is not undone by a failure here, so the caller must say that
// the change happened but is not in the audit.
Result<AuditRow> recordChange(AuditLog &audit, const QString &command, const QString &target, const QString &whatChanged,
                              const QString &agent = QStringLiteral("cli"), const QString &service = QString(),
                              const QString &client = QString(kChangeClient));

} // namespace keyward
