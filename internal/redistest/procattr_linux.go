package redistest

import "syscall"

// On Linux the server dies with the test binary, even if the binary is
// killed before its cleanups run (a timeout, SIGQUIT for a stack dump), so
// no orphaned redis-server keeps a port or a temp dir busy.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
