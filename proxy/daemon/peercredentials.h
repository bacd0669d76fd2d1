#pragma once

#include <QtGlobal>

namespace keyward::daemon {

// Whether the process at the other end of the connected local socket `descriptor` runs as this
// process's user. Linux: SO_PEERCRED; other Unix systems: getpeereid. Where neither exists the
// socket's own permissions are the only guard and this returns true.
bool peerIsSameUser(qintptr descriptor);

} // namespace keyward::daemon
