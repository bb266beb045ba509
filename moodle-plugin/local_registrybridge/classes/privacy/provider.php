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
 * Privacy provider of local_registrybridge.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_registrybridge\privacy;

use core_privacy\local\metadata\collection;
use core_privacy\local\request\approved_contextlist;
use core_privacy\local\request\approved_userlist;
use core_privacy\local\request\contextlist;
use core_privacy\local\request\userlist;

defined('MOODLE_INTERNAL') || die();

/**
 * The plugin stores no personal data, but it sends the site log and the gradebook to an
 * external system.
 *
 * A null provider would hide that transfer, so the plugin declares it as an external
 * location. Moodle's privacy registry counts a plugin as compliant only when it is a null
 * provider or a metadata provider that is also a request provider, so the request
 * provider is implemented with nothing to export or delete: the data lives in the log
 * store (whose own provider exports and deletes it) and, once sent, in the external
 * register, where the register's operator handles access and erasure requests.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class provider implements
        \core_privacy\local\metadata\provider,
        \core_privacy\local\request\core_userlist_provider,
        \core_privacy\local\request\plugin\provider {

    /**
     * Describes the log and grade fields the plugin sends to the LMS registry bridge.
     *
     * @param collection $collection the collection to add to
     * @return collection
     */
    public static function get_metadata(collection $collection): collection {
        $fields = [
            'eventname', 'component', 'action', 'target', 'objecttable', 'objectid', 'crud', 'edulevel',
            'contextid', 'contextlevel', 'contextinstanceid', 'userid', 'courseid', 'relateduserid',
            'anonymous', 'other', 'timecreated', 'origin', 'ip', 'realuserid',
        ];
        $privacyfields = [];
        foreach ($fields as $field) {
            $privacyfields[$field] = 'privacy:metadata:lms_registry_bridge:' . $field;
        }
        $collection->add_external_location_link('lms_registry_bridge', $privacyfields,
            'privacy:metadata:lms_registry_bridge');

        $gradefields = [];
        foreach (['itemid', 'userid', 'finalgrade', 'feedback', 'dategraded', 'hidden', 'overridden'] as $field) {
            $gradefields[$field] = 'privacy:metadata:lms_registry_bridge_grades:' . $field;
        }
        $collection->add_external_location_link('lms_registry_bridge_grades', $gradefields,
            'privacy:metadata:lms_registry_bridge_grades');
        return $collection;
    }

    /**
     * The plugin stores nothing: no contexts.
     *
     * @param int $userid the user
     * @return contextlist
     */
    public static function get_contexts_for_userid(int $userid): contextlist {
        return new contextlist();
    }

    /**
     * The plugin stores nothing: no users.
     *
     * @param userlist $userlist the userlist to fill
     */
    public static function get_users_in_context(userlist $userlist) {
    }

    /**
     * The plugin stores nothing to export.
     *
     * @param approved_contextlist $contextlist the approved contexts
     */
    public static function export_user_data(approved_contextlist $contextlist) {
    }

    /**
     * The plugin stores nothing to delete.
     *
     * @param \context $context the context
     */
    public static function delete_data_for_all_users_in_context(\context $context) {
    }

    /**
     * The plugin stores nothing to delete.
     *
     * @param approved_contextlist $contextlist the approved contexts
     */
    public static function delete_data_for_user(approved_contextlist $contextlist) {
    }

    /**
     * The plugin stores nothing to delete.
     *
     * @param approved_userlist $userlist the approved users
     */
    public static function delete_data_for_users(approved_userlist $userlist) {
    }
}
