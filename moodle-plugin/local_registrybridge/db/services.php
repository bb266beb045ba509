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
 * Web-service functions of local_registrybridge.
 *
 * The plugin declares the bridge's external service (since 1.4): Moodle creates it on
 * install and keeps it on every upgrade, restricted to authorised users, with exactly the
 * functions of the modes cli/setup.php last set up (\local_registrybridge\local\setup).
 * Its user, role and token come from cli/setup.php or the plugin's set-up page.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$functions = [
    'local_registrybridge_get_log_entries' => [
        'classname'    => 'local_registrybridge\external\get_log_entries',
        'methodname'   => 'execute',
        'description'  => 'Site log entries (standard log store layout) with id greater than sinceid, '
            . 'oldest first, paginated by id; rows younger than the configured lag are held back.',
        'type'         => 'read',
        // Documentation only; the function itself checks both capabilities at system level.
        'capabilities' => 'local/registrybridge:readlogs, report/log:view',
        'ajax'         => false,
        'loginrequired' => true,
    ],
    'local_registrybridge_get_grades' => [
        'classname'    => 'local_registrybridge\external\get_grades',
        'methodname'   => 'execute',
        'description'  => 'One course\'s grade items and the grades holding a value or feedback, every '
            . 'graded user whatever their enrolment, paginated by grade id.',
        'type'         => 'read',
        // Documentation only; the function checks moodle/grade:viewall in the course.
        'capabilities' => 'moodle/grade:viewall, moodle/grade:viewhidden',
        'ajax'         => false,
        'loginrequired' => true,
    ],
    'local_registrybridge_get_digests' => [
        'classname'    => 'local_registrybridge\external\get_digests',
        'methodname'   => 'execute',
        'description'  => 'Fingerprints (row counts and column sums) of the tables the bridge reads, so that '
            . 'it can skip what has not changed since its last run. No personal data.',
        'type'         => 'read',
        // Documentation only; the function checks it at system level.
        'capabilities' => 'moodle/site:viewparticipants',
        'ajax'         => false,
        'loginrequired' => true,
    ],
    'local_registrybridge_get_user_remains' => [
        'classname'    => 'local_registrybridge\external\get_user_remains',
        'methodname'   => 'execute',
        'description'  => 'Per place (log store, forum posts, messages, files, grades, submissions, data requests), '
            . 'how many rows still name a user id, and whether the user row is marked deleted and anonymised. '
            . 'Counts and booleans only.',
        'type'         => 'read',
        // Documentation only; the function checks it at system level.
        'capabilities' => 'moodle/user:viewalldetails',
        'ajax'         => false,
        'loginrequired' => true,
    ],
];

$services = [
    \local_registrybridge\local\setup::SERVICE_NAME => [
        'shortname'       => \local_registrybridge\local\setup::SERVICE_SHORTNAME,
        // The default set-up's functions and, after cli/setup.php --mode=..., those of the modes
        // it stored: an upgrade keeps a mode's functions instead of dropping them.
        'functions'       => \local_registrybridge\local\setup::service_functions(
            \local_registrybridge\local\setup::stored_modes()),
        'restrictedusers' => 1,
        'enabled'         => 1,
        'downloadfiles'   => 1,  // Submission files.
        'uploadfiles'     => 0,
    ],
];
