#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QString>
#include <QVariantList>

#include <optional>

namespace keyward {

// A WHERE condition with its values bound by position: `sql` holds only `?` placeholders, never a
// value, so no filter text can change the statement. An empty `sql` matches every row.
struct SqlCondition {
    QString sql;
    QVariantList values;
};

// An inclusive range of HTTP status codes: one code (404) or a class (4xx = 400..499).
struct StatusRange {
    int low = 0;
    int high = 0;

    // "404" (100..599) or a class "1xx".."5xx" (the x in either case). Anything else is an
    // "invalid_filter" error saying what to type.
    static Result<StatusRange> parse(const QString &text);
    bool operator==(const StatusRange &) const = default;
};

// The audit browser's filters over the `audit` table (DESIGN.md "Audit"), as a value. Unset fields
// do not filter; set fields combine with AND. Shared by every reader of audit.db that filters the
// same way: the GUI's AuditModel, and AuditLog::query (`keyward log`), whose AuditFilter is a subset.
struct AuditSearch {
    QString service;                   // exact match
    QString agent;                     // exact match
    QString decision;                  // exact match (allowed, denied, killed, approved, error, change, anchor)
    std::optional<StatusRange> status; // rows whose status is in the range (rows without a status never match)
    QDateTime from;                    // rows whose time is at or after this instant
    QDateTime to;                      // rows whose time is before this instant
    // Case-insensitive (ASCII) substring of path, rule, reason, agent or service. `%`, `_` and `\`
    // match themselves; surrounding whitespace is ignored.
    QString text;

    bool isEmpty() const;
    // The condition for `SELECT ... FROM audit WHERE <sql>`, without the WHERE keyword.
    SqlCondition condition() const;
    bool operator==(const AuditSearch &) const = default;
};

} // namespace keyward
