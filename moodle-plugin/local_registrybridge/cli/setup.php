<?php
// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.

/**
 * Sets up or repairs the Moodle side of the LMS registry bridge, or only checks it.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

define('CLI_SCRIPT', true);

require(__DIR__ . '/../../../config.php');
require_once($CFG->libdir . '/clilib.php');

use local_registrybridge\local\setup;

[$options, $unrecognised] = cli_get_params([
    'mode' => '',
    'iprestriction' => null,
    'validuntil' => null,
    'valid-days' => null,
    'email' => null,
    'token-file' => null,
    'new-token' => false,
    'check' => false,
    'help' => false,
], ['h' => 'help']);

if ($unrecognised) {
    cli_error(get_string('cliunknowoption', 'admin', implode("\n  ", $unrecognised)), 2);
}

if ($options['help']) {
    echo "Sets up or repairs the Moodle side of the LMS registry bridge: web services and REST on,
the plugin's service (" . setup::SERVICE_SHORTNAME . ") with exactly the functions the modes need,
the role '" . setup::ROLE_NAME . "' with exactly their capabilities, the service user
" . setup::USERNAME . " (web services authentication, not a site admin) with the role at system
level, the role as privacy officer with 'Contact the privacy officer' on, the user authorised
on the service, and a token. A second run changes nothing and says so.

Usage:
  php local/registrybridge/cli/setup.php [options]

Options:
  --mode=MODES          suspend (default: revoke_access = suspend, erasure = privacy_request),
                        delete_user, suspend_and_unenrol, or a comma-separated list; each adds
                        what it needs to the default. Without it: the modes of the last run.
  --iprestriction=IPS   the bridge host's addresses for the token, e.g. 192.0.2.10,192.0.2.0/24
  --validuntil=DATE     the token is valid to the end of DATE (YYYY-MM-DD, UTC), or 'never'
  --valid-days=N        the token is valid for N days (a new token: 365 when neither is given)
  --email=ADDRESS       the service user's e-mail address (a new user: the no-reply address)
  --token-file=PATH     write a new token to PATH (mode 0600) instead of standard output
  --new-token           replace the valid token (the old one stops working at once)
  --check               report each difference, change nothing; exit 1 if any
  -h, --help            this help

An existing valid token is kept and never shown again; its IP restriction and validity are
changed in place when given. A new token goes to --token-file, or alone to standard output
with the report on standard error.

Exit codes: 0 as needed (or repaired), 1 --check found differences or something cannot be
repaired here, 2 usage error.

Example:
  sudo -u www-data php local/registrybridge/cli/setup.php --iprestriction=192.0.2.10 \\
      --valid-days=365 --token-file=/tmp/moodle.token
";
    exit(0);
}

\core\session\manager::set_user(get_admin());

try {
    $modes = setup::parse_modes((string) $options['mode']);
    $validuntil = setup::parse_validity($options['validuntil'], $options['valid-days']);
} catch (invalid_parameter_exception $e) {
    cli_error($e->debuginfo ?: $e->getMessage(), 2);
}
$tokenfile = $options['token-file'];
if ($tokenfile !== null && ($tokenfile === '' || is_dir($tokenfile) || !is_dir(dirname($tokenfile)))) {
    cli_error("--token-file: '$tokenfile' is not a file in an existing folder", 2);
}

$run = (new setup($modes, !$options['check'], [
    'iprestriction' => $options['iprestriction'] === null ? null : trim($options['iprestriction']),
    'validuntil' => $validuntil,
    'newtoken' => (bool) $options['new-token'],
    'email' => $options['email'],
]))->run();

$token = $run->token();
$out = ($token !== null && $tokenfile === null) ? STDERR : STDOUT;
$failed = false;
foreach ($run->report() as $item) {
    $mark = $item['changed'] ? 'repaired:' : ($item['ok'] ? 'ok:      ' : ($options['check'] ? 'differs: ' : 'FAILED:  '));
    $failed = $failed || !$item['ok'];
    fwrite($out, "$mark $item[text]\n");
}

if ($token !== null && $tokenfile !== null) {
    $temporary = $tokenfile . '.tmp' . getmypid();
    $old = umask(0077);
    $written = file_put_contents($temporary, $token . "\n") !== false && chmod($temporary, 0600)
        && rename($temporary, $tokenfile);
    umask($old);
    if (!$written) {
        @unlink($temporary);
        fwrite(STDERR, "The token could not be written to $tokenfile; run again with --new-token.\n");
        exit(1);
    }
    fwrite($out, "The new token is in $tokenfile (mode 0600); it is not shown again.\n");
} else if ($token !== null) {
    fwrite(STDERR, "The new token follows on standard output; it is not shown again.\n");
    echo $token, "\n";
}

$modesdone = implode(', ', $modes);
if ($options['check']) {
    fwrite($out, $failed ? "Differences found (modes: $modesdone); run without --check to repair.\n"
        : "No differences (modes: $modesdone).\n");
    exit($failed ? 1 : 0);
}
if ($failed) {
    fwrite($out, "Some items cannot be repaired here: see FAILED above.\n");
    exit(1);
}
fwrite($out, $run->differs() ? "Set up (modes: $modesdone).\n" : "Nothing changed: already set up (modes: $modesdone).\n");
exit(0);
