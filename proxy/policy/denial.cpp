#include "policy/denial.h"

namespace keyward::policy {

Error denial(const QString &rule, const QString &message)
{
    return Error{rule, message};
}

bool isDenial(const Error &error)
{
    return error.code.startsWith(u"guard:") || error.code.startsWith(u"header:") || error.code.startsWith(u"query:");
}

QString errorKind(const Error &error)
{
    return isDenial(error) ? QStringLiteral("denied") : error.code;
}

QString denialRule(const Error &error)
{
    return isDenial(error) ? error.code : QString();
}

} // namespace keyward::policy
