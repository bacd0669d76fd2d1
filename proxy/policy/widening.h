#pragma once

#include "config/config.h"
#include "state/killswitches.h"

#include <QStringList>

namespace keyward::policy {

// Changes that widen what agents may do (DESIGN.md "Processes", "Threat model"): while the tray
// runs, an admin command outside it that makes one of them waits for the user's confirmation.
// Each function compares the state before a change with the state after it and returns one short
// sentence per widening (never a secret), in a stable order; empty when nothing widens.
//
// A service's policy widens, for the service and for every agent named in an override before or
// after (compared through effectivePolicy()), when:
// - an allow or ask rule is added, or a deny rule removed; a policy with no rules counts as its
//   implicit read-only rules (allow GET and HEAD on /**), so clearing the rules can widen too;
// - the rate limit is removed, or lets more calls through (a higher rate per second or a higher
//   burst);
// - the schedule is removed or replaced (a replaced schedule may open hours the old one closed);
// - a reason stops being required;
// - the agents allowed become every agent, or gain a name;
// - a header is added to the headers agents may send.
// A disabled service that becomes enabled widens too. A new or removed service, and the sizes and
// timeouts, do not count.
QStringList wideningChanges(const Config &before, const Config &after);

// A kill switch lifted (the global one, a service's or an agent's) widens; setting one narrows.
QStringList wideningChanges(const KillSwitches &before, const KillSwitches &after);

} // namespace keyward::policy
