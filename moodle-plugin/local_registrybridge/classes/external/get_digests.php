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
 * Web-service function local_registrybridge_get_digests.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_registrybridge\external;

use core_external\external_api;
use core_external\external_function_parameters;
use core_external\external_multiple_structure;
use core_external\external_single_structure;
use core_external\external_value;

defined('MOODLE_INTERNAL') || die();

global $CFG;
// Moodle 4.1: the external API classes under their 4.2 names (see get_log_entries.php).
if (!class_exists('core_external\external_api')) {
    require_once($CFG->libdir . '/externallib.php');
    foreach (['external_api', 'external_function_parameters', 'external_multiple_structure',
            'external_single_structure', 'external_value'] as $legacyclass) {
        class_alias($legacyclass, 'core_external\\' . $legacyclass);
    }
}

/**
 * Fingerprints of the tables the bridge reads: per table, the row count and sums of the
 * columns that change when a row is added, removed or changed through Moodle's APIs.
 *
 * Why: Moodle's core functions have no "changed since" for users, rosters, assignments or
 * conversations, so without this the bridge lists them all on every run to learn that
 * nothing changed (about half a full sync's cost on a site with two 1,000-learner
 * courses). With it, one cheap call tells the bridge which of its streams can be skipped:
 * a stream is read again when any table it depends on has a different fingerprint.
 *
 * A fingerprint is an opaque string, not personal data: counts and sums over whole tables.
 * A change written straight into the database without touching any of the summed columns
 * is not seen; the bridge's scheduled full sync reads everything whatever the fingerprints.
 * The caller's own rows are left out of the user tables: its web-service calls move its
 * last access.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class get_digests extends external_api {

    /**
     * Each fingerprinted table with the columns summed; the count is always included.
     * "caller" names the column that holds a user id to leave the caller out by.
     */
    protected const TABLES = [
        'user' => ['columns' => ['id', 'deleted', 'suspended', 'confirmed', 'timemodified',
            'firstaccess', 'lastaccess'], 'caller' => 'id'],
        'user_info_data' => ['columns' => ['id', 'fieldid', 'userid'], 'length' => 'data'],
        'course' => ['columns' => ['id', 'category', 'visible', 'startdate', 'enddate', 'timemodified']],
        'course_categories' => ['columns' => ['id', 'parent', 'visible', 'timemodified']],
        'enrol' => ['columns' => ['id', 'courseid', 'status', 'enrolstartdate', 'enrolenddate', 'timemodified']],
        'user_enrolments' => ['columns' => ['id', 'enrolid', 'userid', 'status', 'timestart', 'timeend',
            'timemodified']],
        'role_assignments' => ['columns' => ['id', 'roleid', 'contextid', 'userid', 'timemodified']],
        'groups' => ['columns' => ['id', 'courseid', 'timemodified']],
        'groups_members' => ['columns' => ['id', 'groupid', 'userid', 'timeadded']],
        'user_lastaccess' => ['columns' => ['id', 'userid', 'courseid', 'timeaccess'], 'caller' => 'userid'],
        'grade_items' => ['columns' => ['id', 'courseid', 'hidden', 'timemodified']],
        'grade_grades' => ['columns' => ['id', 'itemid', 'userid', 'hidden', 'overridden', 'timemodified']],
        'assign' => ['columns' => ['id', 'course', 'timemodified']],
        'course_modules' => ['columns' => ['id', 'course', 'instance', 'visible', 'deletioninprogress']],
        'assign_submission' => ['columns' => ['id', 'assignment', 'userid', 'latest', 'timemodified']],
        'assign_grades' => ['columns' => ['id', 'assignment', 'userid', 'timemodified']],
        'message_conversations' => ['columns' => ['id', 'type', 'enabled', 'timemodified']],
        'message_conversation_members' => ['columns' => ['id', 'conversationid', 'userid']],
        'messages' => ['columns' => ['id', 'conversationid', 'useridfrom', 'timecreated']],
        'message_user_actions' => ['columns' => ['id', 'userid', 'messageid', 'action']],
    ];

    /**
     * Parameters: none.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([]);
    }

    /**
     * Returns the fingerprint of every table in TABLES.
     *
     * @return array ['digests' => [['name' => string, 'value' => string], ...]]
     */
    public static function execute(): array {
        global $DB, $USER;
        self::validate_parameters(self::execute_parameters(), []);
        $context = \context_system::instance();
        self::validate_context($context);
        require_capability('moodle/site:viewparticipants', $context);

        $digests = [];
        foreach (self::TABLES as $table => $spec) {
            $select = ['COUNT(1) AS n'];
            foreach ($spec['columns'] as $column) {
                $select[] = "COALESCE(SUM($column), 0) AS s_$column";
            }
            if (!empty($spec['length'])) {
                $select[] = 'COALESCE(SUM(' . $DB->sql_length($spec['length']) . '), 0) AS s_length';
            }
            $where = '';
            $params = [];
            if (!empty($spec['caller'])) {
                $where = "WHERE {$spec['caller']} <> :caller";
                $params['caller'] = $USER->id;
            }
            $row = $DB->get_record_sql('SELECT ' . implode(', ', $select) . " FROM {{$table}} $where", $params);
            $digests[] = ['name' => $table, 'value' => implode(':', array_values((array)$row))];
        }
        return ['digests' => $digests];
    }

    /**
     * Return structure.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'digests' => new external_multiple_structure(
                new external_single_structure([
                    'name' => new external_value(PARAM_ALPHANUMEXT, 'The table', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'value' => new external_value(PARAM_RAW, 'Its fingerprint (opaque)', VALUE_REQUIRED, null,
                        NULL_NOT_ALLOWED),
                ])
            ),
        ]);
    }
}
