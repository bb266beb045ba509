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
 * Web-service function local_registrybridge_get_log_entries.
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

// Moodle 4.2 moved the external API into the core_external namespace (and kept the old
// global class names as aliases). Moodle 4.1 only has the global classes of
// lib/externallib.php: alias them into core_external so one class body serves 4.1 to 4.5.
if (!class_exists('core_external\external_api')) {
    global $CFG;
    require_once($CFG->libdir . '/externallib.php');
    foreach (['external_api', 'external_function_parameters', 'external_multiple_structure',
            'external_single_structure', 'external_value'] as $legacyclass) {
        class_alias($legacyclass, 'core_external\\' . $legacyclass);
    }
}

/**
 * Reads the site log (standard log store layout) incrementally, oldest first, keyed by id.
 *
 * Paging contract: the caller passes the last id it has stored as sinceid and gets the
 * rows with id > sinceid in ascending id order, at most limit of them, plus lastid (the id
 * of the last row returned, or sinceid when none) and hasmore (call again with
 * sinceid = lastid right away). Pass lastid as sinceid next time: no row is skipped.
 *
 * The lag: log stores buffer a request's events and insert them when the request ends (or
 * every 50 events), and concurrent requests commit in any order, so a row with a lower id
 * can become visible after a row with a higher id. A page therefore ends at the first row
 * whose timecreated is less than lag seconds old (setting local_registrybridge/lag,
 * default 60): neither that row nor any later one is returned yet, and hasmore is false.
 * Rows that are older than the lag are returned even when their id is high. A transaction
 * that stays open longer than the lag can still publish an id below a lastid already
 * handed out; raise the lag on sites with very long-running requests.
 *
 * Anonymous events are left out unless the caller holds moodle/site:viewanonymousevents
 * at system level, exactly as the core log report does.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class get_log_entries extends external_api {

    /** @var int Default of the lag setting, in seconds. */
    public const DEFAULT_LAG = 60;

    /** @var int Default of the maxlimit setting. */
    public const DEFAULT_MAX_LIMIT = 5000;

    /** @var int Default of the limit parameter. */
    public const DEFAULT_LIMIT = 1000;

    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'sinceid' => new external_value(PARAM_INT,
                'Return log entries with an id greater than this one (0 = from the oldest entry)'),
            'limit' => new external_value(PARAM_INT,
                'Most entries to return (at least 1; capped at the plugin setting maxlimit)',
                VALUE_DEFAULT, self::DEFAULT_LIMIT),
            'courseid' => new external_value(PARAM_INT,
                'Only entries of this course (0 = all courses and site-level entries)',
                VALUE_DEFAULT, 0),
            'userid' => new external_value(PARAM_INT,
                'Only entries in which this user is the actor (userid) or the affected user '
                . '(relateduserid) (0 = all users)',
                VALUE_DEFAULT, 0),
        ]);
    }

    /**
     * Returns one page of log entries.
     *
     * @param int $sinceid return entries with id > sinceid
     * @param int $limit most entries to return
     * @param int $courseid only this course (0 = all)
     * @param int $userid only entries where this user acts or is affected (0 = all)
     * @return array ['entries' => array[], 'lastid' => int, 'hasmore' => bool]
     */
    public static function execute(int $sinceid, int $limit = self::DEFAULT_LIMIT, int $courseid = 0,
            int $userid = 0): array {
        $params = self::validate_parameters(self::execute_parameters(), [
            'sinceid' => $sinceid,
            'limit' => $limit,
            'courseid' => $courseid,
            'userid' => $userid,
        ]);

        $context = \context_system::instance();
        self::validate_context($context);
        require_capability('local/registrybridge:readlogs', $context);
        require_capability('report/log:view', $context);

        if ($params['limit'] < 1) {
            throw new \invalid_parameter_exception('limit must be at least 1');
        }
        $limit = min($params['limit'], self::max_limit());
        $cutoff = time() - self::lag();

        [$db, $table] = self::log_table();

        $where = ['id > :sinceid'];
        $sqlparams = ['sinceid' => $params['sinceid']];
        if ($params['courseid']) {
            $where[] = 'courseid = :courseid';
            $sqlparams['courseid'] = $params['courseid'];
        }
        if ($params['userid']) {
            $where[] = '(userid = :userid OR relateduserid = :relateduserid)';
            $sqlparams['userid'] = $params['userid'];
            $sqlparams['relateduserid'] = $params['userid'];
        }
        if (!has_capability('moodle/site:viewanonymousevents', $context)) {
            $where[] = 'anonymous = 0';
        }

        // Keyset on the primary key: cheap at any table size. One row more than the page
        // tells whether there is more.
        $rows = $db->get_recordset_select($table, implode(' AND ', $where), $sqlparams, 'id ASC', '*', 0, $limit + 1);
        $entries = [];
        $lastid = (int)$params['sinceid'];
        $hasmore = false;
        foreach ($rows as $row) {
            if ((int)$row->timecreated > $cutoff) {
                // Too fresh: ids below this one may still be uncommitted. Stop here.
                break;
            }
            if (count($entries) >= $limit) {
                $hasmore = true;
                break;
            }
            $entries[] = self::export_row($row);
            $lastid = (int)$row->id;
        }
        $rows->close();

        return ['entries' => $entries, 'lastid' => $lastid, 'hasmore' => $hasmore];
    }

    /**
     * Return structure.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'entries' => new external_multiple_structure(
                new external_single_structure([
                    'id' => new external_value(PARAM_INT, 'Log entry id', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'eventname' => new external_value(PARAM_RAW, 'Event class, e.g. \core\event\course_viewed',
                        VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'component' => new external_value(PARAM_RAW, 'Component, e.g. core, mod_assign',
                        VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'action' => new external_value(PARAM_RAW, 'Action, e.g. viewed', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'target' => new external_value(PARAM_RAW, 'Target, e.g. course', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'objecttable' => new external_value(PARAM_RAW, 'Table of the object', VALUE_REQUIRED, null, NULL_ALLOWED),
                    'objectid' => new external_value(PARAM_INT, 'Id of the object', VALUE_REQUIRED, null, NULL_ALLOWED),
                    'crud' => new external_value(PARAM_RAW, 'c, r, u or d', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'edulevel' => new external_value(PARAM_INT, '0 other, 1 teaching, 2 participating',
                        VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'contextid' => new external_value(PARAM_INT, 'Context id', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'contextlevel' => new external_value(PARAM_INT, 'Context level', VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'contextinstanceid' => new external_value(PARAM_INT, 'Context instance id',
                        VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'userid' => new external_value(PARAM_INT, 'Acting user (0 not logged in, -1 system)',
                        VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'courseid' => new external_value(PARAM_INT, 'Course id (0 for site-level events)',
                        VALUE_REQUIRED, null, NULL_ALLOWED),
                    'relateduserid' => new external_value(PARAM_INT, 'Affected user', VALUE_REQUIRED, null, NULL_ALLOWED),
                    'anonymous' => new external_value(PARAM_BOOL, 'Anonymous event: never link it to a person',
                        VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'other' => new external_value(PARAM_RAW, 'Event data as JSON text ("null" when the event has none)',
                        VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'timecreated' => new external_value(PARAM_INT, 'Event time (Unix seconds)',
                        VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
                    'origin' => new external_value(PARAM_RAW, 'web, cli, ws, restore, ...', VALUE_REQUIRED, null, NULL_ALLOWED),
                    'ip' => new external_value(PARAM_RAW, 'IP address of the request', VALUE_REQUIRED, null, NULL_ALLOWED),
                    'realuserid' => new external_value(PARAM_INT, 'Real user when logged in as another user',
                        VALUE_REQUIRED, null, NULL_ALLOWED),
                ], 'Log entry, as stored in the standard log table')
            ),
            'lastid' => new external_value(PARAM_INT, 'Id of the last entry returned (sinceid when none): the next sinceid',
                VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
            'hasmore' => new external_value(PARAM_BOOL, 'True when more entries are ready now: call again with sinceid = lastid',
                VALUE_REQUIRED, null, NULL_NOT_ALLOWED),
        ]);
    }

    /**
     * The lag in seconds (setting local_registrybridge/lag).
     *
     * @return int
     */
    protected static function lag(): int {
        $lag = get_config('local_registrybridge', 'lag');
        return ($lag === false || $lag === '' || $lag === null) ? self::DEFAULT_LAG : max(0, (int)$lag);
    }

    /**
     * Most rows one call of any of the plugin's functions returns (setting
     * local_registrybridge/maxlimit).
     *
     * @return int
     */
    public static function max_limit(): int {
        $max = (int)get_config('local_registrybridge', 'maxlimit');
        return $max > 0 ? $max : self::DEFAULT_MAX_LIMIT;
    }

    /**
     * The database and table of the first enabled log store that can be read by id.
     *
     * A store implementing \core\log\sql_internal_table_reader (logstore_standard) is read
     * from its table in Moodle's database; logstore_database (External database log) from
     * its table in the external database. Both have the logstore_standard_log layout.
     * Event objects (get_events_select_iterator()) cannot be used: they do not carry the id.
     *
     * @return array [\moodle_database $db, string $table]
     * @throws \moodle_exception errornologreader when no such store is enabled
     */
    protected static function log_table(): array {
        global $DB;
        $readers = get_log_manager()->get_readers('\core\log\sql_reader');
        foreach ($readers as $reader) {
            if ($reader instanceof \core\log\sql_internal_table_reader) {
                return [$DB, $reader->get_internal_log_table_name()];
            }
            if ($reader instanceof \logstore_database\log\store
                    && method_exists($reader, 'get_extdb') && method_exists($reader, 'get_config_value')) {
                $extdb = $reader->get_extdb();
                $table = $reader->get_config_value('dbtable');
                if ($extdb && $table) {
                    return [$extdb, $table];
                }
            }
        }
        throw new \moodle_exception('errornologreader', 'local_registrybridge');
    }

    /**
     * One table row as the web service returns it.
     *
     * @param \stdClass $row a row of the log table
     * @return array
     */
    protected static function export_row(\stdClass $row): array {
        return [
            'id' => (int)$row->id,
            'eventname' => (string)$row->eventname,
            'component' => (string)$row->component,
            'action' => (string)$row->action,
            'target' => (string)$row->target,
            'objecttable' => $row->objecttable,
            'objectid' => self::int_or_null($row->objectid),
            'crud' => (string)$row->crud,
            'edulevel' => (int)$row->edulevel,
            'contextid' => (int)$row->contextid,
            'contextlevel' => (int)$row->contextlevel,
            'contextinstanceid' => (int)$row->contextinstanceid,
            'userid' => (int)$row->userid,
            'courseid' => self::int_or_null($row->courseid),
            'relateduserid' => self::int_or_null($row->relateduserid),
            'anonymous' => !empty($row->anonymous),
            'other' => self::other_as_json($row->other),
            'timecreated' => (int)$row->timecreated,
            'origin' => $row->origin,
            'ip' => $row->ip,
            'realuserid' => self::int_or_null($row->realuserid),
        ];
    }

    /**
     * An integer column that may be NULL.
     *
     * @param mixed $value
     * @return int|null
     */
    protected static function int_or_null($value): ?int {
        return ($value === null || $value === '') ? null : (int)$value;
    }

    /**
     * The "other" column as JSON text.
     *
     * Stored as JSON when logstore_standard | jsonformat is on (the default), as PHP
     * serialisation when it is off or for rows written before it was turned on. JSON is
     * returned as stored; serialised data is converted; SQL NULL becomes the text "null".
     *
     * @param string|null $other
     * @return string
     */
    protected static function other_as_json(?string $other): string {
        if ($other === null || $other === '') {
            return 'null';
        }
        if ($other === 'N;' || preg_match('~^.:~', $other)) {
            $value = @unserialize($other, ['allowed_classes' => [\stdClass::class]]);
            if ($value === false && $other !== 'b:0;') {
                // Not valid serialised data after all: hand it over as a JSON string.
                $value = $other;
            }
            $json = json_encode($value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
            return $json === false ? 'null' : $json;
        }
        return $other;
    }
}
