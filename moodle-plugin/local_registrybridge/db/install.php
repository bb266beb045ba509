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
 * Post-install of local_registrybridge: the bridge's role.
 *
 * Moodle creates the plugin's external service from db/services.php; roles have no such
 * declaration, so the role is created here. The service user, the privacy officer mapping
 * and the token are cli/setup.php's (or the set-up page's): an install creates no account.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

/**
 * Creates the role LMS registry bridge with the capabilities of the default set-up.
 *
 * @return bool
 */
function xmldb_local_registrybridge_install() {
    \local_registrybridge\local\setup::ensure_role();
    return true;
}
