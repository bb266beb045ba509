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
 * Upgrade steps of local_registrybridge.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

/**
 * Upgrades the plugin from $oldversion.
 *
 * @param int $oldversion the version installed
 * @return bool
 */
function xmldb_local_registrybridge_upgrade($oldversion) {
    if ($oldversion < 2026121000) {
        // 1.4.0: the role the set-up keeps (the service comes from db/services.php). A role of the
        // same short name made by hand following docs/moodle-setup.md is left as it is:
        // cli/setup.php --check names what differs.
        \local_registrybridge\local\setup::ensure_role();
        upgrade_plugin_savepoint(true, 2026121000, 'local', 'registrybridge');
    }
    return true;
}
