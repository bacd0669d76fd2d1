#pragma once

namespace keyward::app {

// Makes this process non-dumpable (Linux: prctl(PR_SET_DUMPABLE, 0)): no core dump and no
// ptrace attach by other processes of the same user. A no-op where the OS has no equivalent.
void makeProcessNonDumpable();

} // namespace keyward::app
