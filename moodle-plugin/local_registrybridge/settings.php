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
 * Admin settings of local_registrybridge.
 *
 * Site administration > Plugins > Local plugins > LMS registry bridge.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

if ($hassiteconfig) {
    $settings = new admin_settingpage('local_registrybridge', new lang_string('pluginname', 'local_registrybridge'));
    $ADMIN->add('localplugins', $settings);
    // The set-up / repair action: what cli/setup.php does, with the token shown once.
    $ADMIN->add('localplugins', new admin_externalpage('local_registrybridge_setup',
        new lang_string('setup', 'local_registrybridge'),
        new moodle_url('/local/registrybridge/setup.php'), 'moodle/site:config'));

    if ($ADMIN->fulltree) {
        // Defaults must match get_log_entries::DEFAULT_LAG and ::DEFAULT_MAX_LIMIT.
        $settings->add(new admin_setting_configduration('local_registrybridge/lag',
            new lang_string('lag', 'local_registrybridge'),
            new lang_string('lag_desc', 'local_registrybridge'),
            60, 1));

        $settings->add(new admin_setting_configtext('local_registrybridge/maxlimit',
            new lang_string('maxlimit', 'local_registrybridge'),
            new lang_string('maxlimit_desc', 'local_registrybridge'),
            5000, PARAM_INT));
    }
}
