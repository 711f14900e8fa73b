/* SPDX-License-Identifier: BSD-3-Clause */
/* hook.c - the deploy hook: run after an alias's new certificate is
 * committed (enroll, reenroll, renew), so services pick it up. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hwenroll.h"
#include "log.h"
#include "rc.h"

#define HOOK_OUTPUT_MAX (64 * 1024)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* the hook's last lines, shown as warnings when it fails below INFO */
static char tail[4096];
static size_t tail_len;

static void one_line(const char *alias, const char *s)
{
	size_t n = strlen(s);

	hwe_info("deploy hook of alias '%s': %s", alias, s);
	if (n + 2 > sizeof(tail))
		n = sizeof(tail) - 2;
	if (tail_len + n + 1 >= sizeof(tail)) {
		tail_len = 0;   /* keep the last lines only */
		tail[0] = '\0';
	}
	memcpy(tail + tail_len, s, n);
	tail_len += n;
	tail[tail_len++] = '\n';
	tail[tail_len] = '\0';
}

/* log the complete lines of buf, keep the rest */
static void log_lines(const char *alias, char *buf, size_t *len, int flush)
{
	char *s = buf, *nl;

	while ((nl = memchr(s, '\n', *len - (size_t)(s - buf)))) {
		*nl = '\0';
		one_line(alias, s);
		s = nl + 1;
	}
	*len -= (size_t)(s - buf);
	memmove(buf, s, *len);
	if (flush && *len) {
		buf[*len] = '\0';
		one_line(alias, buf);
		*len = 0;
	}
}

/* the hook's output below INFO (as warnings), and its last line for the error */
static void warn_tail(const char *alias, char *last, size_t n)
{
	char *s = tail, *nl;

	snprintf(last, n, "none");
	while (*s && (nl = strchr(s, '\n'))) {
		*nl = '\0';
		if (!hwe_log_enabled(HWE_LOG_INFO))
			hwe_warn("deploy hook of alias '%s': %s", alias, s);
		if (*s)
			snprintf(last, n, "'%.200s'", s);
		s = nl + 1;
	}
}

int hwe_deploy_hook(const struct hwe_keystore *ks, const char *alias, const char *cmd,
		    long timeout_s)
{
	const struct hwe_key_backend *be = NULL;
	char *cert = NULL, *chain = NULL, *key = NULL, name[128], buf[4097], last[256];
	int fds[2] = { -1, -1 }, status = 0, ret = HWE_EXIT_HOOK, timed_out = 0;
	size_t len = 0, total = 0;
	long long deadline;
	pid_t pid = -1;

	/* the key file is named when there is one; the hook runs anyway */
	if (hwe_keystore_find_key_opt(ks, alias, &be) != HWE_OK) {
		hwe_debug("deploy hook: no key file named for alias '%s': %s", alias, hwe_err_message());
		hwe_err_clear();
		be = NULL;
	}
	snprintf(name, sizeof(name), "%s.pem", alias);
	cert = hwe_keystore_path(ks, "certs", name);
	snprintf(name, sizeof(name), "%s-chain.pem", alias);
	chain = hwe_keystore_path(ks, "certs", name);
	snprintf(name, sizeof(name), "%s%s", alias, be ? be->ext : ".pem");
	key = hwe_keystore_path(ks, "keys", name);
	if (!cert || !chain || !key) {
		ret = hwe_err_oom();
		goto out;
	}
	if (pipe2(fds, O_CLOEXEC) != 0) {
		hwe_err(HWE_EXIT_HOOK, HWE_ERR_HOOK_FAILED, "deploy hook of alias '%s': pipe: %s",
			alias, strerror(errno));
		goto out;
	}
	tail_len = 0;
	tail[0] = '\0';
	hwe_info("alias '%s': running the deploy hook (at most %ld s): %s", alias, timeout_s, cmd);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		hwe_err(HWE_EXIT_HOOK, HWE_ERR_HOOK_FAILED, "deploy hook of alias '%s': fork: %s",
			alias, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		setpgid(0, 0);   /* a timeout kills the hook and everything it started */
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		setenv("HWENROLL_ALIAS", alias, 1);
		setenv("HWENROLL_KEYSTORE", hwe_keystore_dir(ks), 1);
		setenv("HWENROLL_CERT", cert, 1);
		setenv("HWENROLL_CHAIN", chain, 1);
		setenv("HWENROLL_KEY", key, 1);
		/* never hand a secret down */
		unsetenv("EST_PASS");
		unsetenv("HWENROLL_PKCS11_PIN");
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	close(fds[1]);
	fds[1] = -1;
	deadline = now_ms() + timeout_s * 1000;
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;
		int pr;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		pr = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		n = read(fds[0], buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
		if (total > HOOK_OUTPUT_MAX) /* keep reading (the hook must not block), stop logging */
			continue;
		len += (size_t)n;
		log_lines(alias, buf, &len, len == sizeof(buf) - 1);
	}
	log_lines(alias, buf, &len, 1);
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		warn_tail(alias, last, sizeof(last));
	if (timed_out) {
		hwe_err(HWE_EXIT_HOOK, HWE_ERR_HOOK_FAILED,
			"deploy hook of alias '%s' did not finish within %ld s and was killed (last output: %s); the new certificate is in place",
			alias, timeout_s, last);
		hwe_err_hint("make the hook finish sooner, or raise --deploy-hook-timeout; run it again by hand: HWENROLL_ALIAS=%s sh -c '...'", alias);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		hwe_info("alias '%s': the deploy hook succeeded", alias);
		ret = HWE_OK;
	} else {
		if (WIFEXITED(status))
			hwe_err(HWE_EXIT_HOOK, HWE_ERR_HOOK_FAILED,
				"deploy hook of alias '%s' exited with status %d (last output: %s); the new certificate is in place",
				alias, WEXITSTATUS(status), last);
		else
			hwe_err(HWE_EXIT_HOOK, HWE_ERR_HOOK_FAILED,
				"deploy hook of alias '%s' was killed by signal %d (last output: %s); the new certificate is in place",
				alias, WIFSIGNALED(status) ? WTERMSIG(status) : 0, last);
		hwe_err_hint("see the hook's output with --log-level INFO; the services still use the old certificate until the hook succeeds");
	}
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(cert);
	free(chain);
	free(key);
	return ret;
}
