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
 * The Moodle side of the LMS registry bridge, set up or repaired in one step.
 *
 * Moodle creates the plugin's external service from db/services.php, but it has no
 * declarative form for roles, users or tokens. This class holds what the bridge needs per
 * mode (the functions of the service, the capabilities of its role) and compares the site
 * with it, item by item: in check mode it only reports each difference, otherwise it
 * repairs it. db/install.php, db/upgrade.php, cli/setup.php and the set-up page all use it,
 * so there is one list and one way to apply it.
 *
 * @package    local_registrybridge
 * @copyright  2026 lms-registry-bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_registrybridge\local;

defined('MOODLE_INTERNAL') || die();

/**
 * Compares the site with what the bridge needs, and repairs it unless asked only to check.
 */
class setup {
    /** Short name of the external service declared in db/services.php. */
    const SERVICE_SHORTNAME = 'local_registrybridge';
    /** Its name; Moodle keeps service names unique, so not the manual guide's "LMS registry bridge". */
    const SERVICE_NAME = 'LMS registry bridge (companion plugin)';
    /** Short name of the role: the manual guide's, so a site set up by hand is repaired, not doubled. */
    const ROLE_SHORTNAME = 'lmsregistrybridge';
    /** Full name of the role. */
    const ROLE_NAME = 'LMS registry bridge';
    /** Username of the service user. */
    const USERNAME = 'lms_registry_bridge';
    /** Where the modes last set up are kept, so that db/services.php keeps their functions. */
    const MODES_CONFIG = 'setupmodes';

    /** The modes: suspend (with erasure by privacy request) is the default and always set up. */
    const MODES = ['suspend', 'delete_user', 'suspend_and_unenrol'];

    /**
     * Functions of the default set-up (revoke_access = suspend, erasure = privacy_request): every
     * stream, rectification, the companion plugin's own, and the optional reads the bridge
     * makes when they are there (change hints, the courses left after a revocation).
     */
    const FUNCTIONS = [
        'core_course_get_courses_by_field',
        'core_course_get_updates_since',
        'core_enrol_get_enrolled_users',
        'core_enrol_get_enrolled_users_with_capability',
        'core_enrol_get_users_courses',
        'core_message_get_conversation_messages',
        'core_message_get_conversations',
        'core_user_get_users',
        'core_user_get_users_by_field',
        'core_user_update_users',
        'core_webservice_get_site_info',
        'gradereport_user_get_grade_items',
        'local_registrybridge_get_digests',
        'local_registrybridge_get_grades',
        'local_registrybridge_get_log_entries',
        'local_registrybridge_get_user_remains',
        'mod_assign_get_assignments',
        'mod_assign_get_grades',
        'mod_assign_get_submissions',
        'tool_dataprivacy_approve_data_request',
        'tool_dataprivacy_create_data_request',
        'tool_dataprivacy_deny_data_request',
        'tool_dataprivacy_get_access_information',
        'tool_dataprivacy_get_data_request',
        'tool_dataprivacy_get_data_requests',
    ];

    /** What each mode adds to the functions. */
    const MODE_FUNCTIONS = [
        'suspend' => [],
        'delete_user' => ['core_user_delete_users'],
        'suspend_and_unenrol' => ['enrol_manual_unenrol_users'],
    ];

    /** Capabilities of the default set-up: every read, the activity logs, suspension and privacy requests. */
    const CAPABILITIES = [
        'gradereport/user:view',
        'local/registrybridge:readlogs',
        'mod/assign:view',
        'mod/assign:viewgrades',
        'moodle/category:viewcourselist',
        'moodle/category:viewhiddencategories',
        'moodle/course:enrolreview',
        'moodle/course:useremail',
        'moodle/course:view',
        'moodle/course:viewhiddenactivities',
        'moodle/course:viewhiddencourses',
        'moodle/course:viewhiddenuserfields',
        'moodle/course:viewparticipants',
        'moodle/course:viewsuspendedusers',
        'moodle/grade:viewall',
        'moodle/grade:viewhidden',
        'moodle/role:review',
        'moodle/site:accessallgroups',
        'moodle/site:readallmessages',
        'moodle/site:viewfullnames',
        'moodle/site:viewparticipants',
        'moodle/site:viewuseridentity',
        'moodle/user:update',
        'moodle/user:viewalldetails',
        'moodle/user:viewdetails',
        'moodle/user:viewhiddendetails',
        'report/log:view',
        'tool/dataprivacy:makedatarequestsforchildren',
        'tool/dataprivacy:managedatarequests',
        'tool/dataprivacy:requestdeleteforotheruser',
        'webservice/rest:use',
    ];

    /** What each mode adds to the capabilities. */
    const MODE_CAPABILITIES = [
        'suspend' => [],
        'delete_user' => ['moodle/user:delete'],
        'suspend_and_unenrol' => ['enrol/manual:unenrol'],
    ];

    /** Days a new token is valid when no validity is given. */
    const DEFAULT_VALID_DAYS = 365;

    /** Allowed in the role by an administrator's choice: kept where present, never added, not reported. */
    const OPTIONAL_CAPABILITIES = ['moodle/site:maintenanceaccess'];

    /** @var string[] the modes to set up */
    private $modes;
    /** @var bool whether to repair (false: only report) */
    private $apply;
    /** @var array options: iprestriction (?string), validuntil (?int), newtoken (bool), email (?string) */
    private $options;
    /** @var array[] the report: ['ok' => bool, 'changed' => bool, 'text' => string] per item */
    private $report = [];
    /** @var string|null a token minted by this run */
    private $token = null;

    /**
     * A set-up for these modes.
     *
     * @param string[] $modes from parse_modes()
     * @param bool $apply repair (true) or only report (false)
     * @param array $options iprestriction, validuntil, newtoken, email; absent or null = keep as is
     */
    public function __construct(array $modes, bool $apply, array $options = []) {
        $this->modes = $modes;
        $this->apply = $apply;
        $this->options = $options + ['iprestriction' => null, 'validuntil' => null, 'newtoken' => false,
            'email' => null];
    }

    /**
     * The modes named in a comma-separated list; suspend is always among them.
     *
     * @param string $text e.g. "delete_user" or "delete_user,suspend_and_unenrol"; empty: the stored modes
     * @return string[]
     * @throws \invalid_parameter_exception for an unknown mode
     */
    public static function parse_modes(string $text): array {
        if (trim($text) === '') {
            return self::stored_modes();
        }
        $modes = ['suspend'];
        foreach (explode(',', $text) as $mode) {
            $mode = trim($mode);
            if (!in_array($mode, self::MODES, true)) {
                throw new \invalid_parameter_exception("unknown mode '$mode' (" . implode(', ', self::MODES) . ')');
            }
            $modes[] = $mode;
        }
        return array_values(array_intersect(self::MODES, $modes));
    }

    /**
     * A token's end of validity: the end (24:00 UTC) of a date, or of the day N days from now.
     *
     * @param string|null $until YYYY-MM-DD, or "never"; null: not given
     * @param string|null $days a number of days; null: not given
     * @return int|null a timestamp, 0 for never, null when neither is given
     * @throws \invalid_parameter_exception for a value that is neither
     */
    public static function parse_validity(?string $until, ?string $days): ?int {
        if ($until !== null && $until !== '') {
            if ($until === 'never') {
                return 0;
            }
            $date = \DateTime::createFromFormat('!Y-m-d', $until, new \DateTimeZone('UTC'));
            if ($date === false || $date->format('Y-m-d') !== $until) {
                throw new \invalid_parameter_exception("validuntil '$until' is not a date YYYY-MM-DD");
            }
            return $date->getTimestamp() + DAYSECS;
        }
        if ($days !== null && $days !== '') {
            if (!ctype_digit($days) || (int) $days < 1) {
                throw new \invalid_parameter_exception("valid-days '$days' is not a number of days");
            }
            return (intdiv(time(), DAYSECS) + (int) $days + 1) * DAYSECS;
        }
        return null;
    }

    /**
     * The modes the last set-up stored (suspend alone before any).
     *
     * @return string[]
     */
    public static function stored_modes(): array {
        $stored = (string) get_config('local_registrybridge', self::MODES_CONFIG);
        $modes = array_merge(['suspend'], array_filter(explode(',', $stored)));
        return array_values(array_intersect(self::MODES, $modes));
    }

    /**
     * The service's functions for these modes, sorted.
     *
     * @param string[] $modes
     * @return string[]
     */
    public static function service_functions(array $modes): array {
        return self::with_modes(self::FUNCTIONS, self::MODE_FUNCTIONS, $modes);
    }

    /**
     * The role's capabilities for these modes, sorted.
     *
     * @param string[] $modes
     * @return string[]
     */
    public static function role_capabilities(array $modes): array {
        return self::with_modes(self::CAPABILITIES, self::MODE_CAPABILITIES, $modes);
    }

    /**
     * A base list with what each mode adds.
     *
     * @param string[] $base
     * @param array $permode mode => string[]
     * @param string[] $modes
     * @return string[]
     */
    private static function with_modes(array $base, array $permode, array $modes): array {
        foreach ($modes as $mode) {
            $base = array_merge($base, $permode[$mode] ?? []);
        }
        $base = array_unique($base);
        sort($base);
        return $base;
    }

    /**
     * Creates the role where it is missing; an existing role is left to cli/setup.php.
     *
     * For db/install.php and db/upgrade.php, which run before Moodle registers the plugin's
     * capabilities, so they are registered first.
     */
    public static function ensure_role(): void {
        global $DB;
        update_capabilities('local_registrybridge');
        if (!$DB->record_exists('role', ['shortname' => self::ROLE_SHORTNAME])) {
            (new self(self::stored_modes(), true))->role();
        }
    }

    /**
     * Compares (and unless checking, repairs) everything, in the order the parts depend on.
     *
     * @return self
     */
    public function run(): self {
        $this->webservices();
        $service = $this->service();
        $role = $this->role();
        $user = $this->user();
        if ($role && $user) {
            $this->assignment($role, $user);
        }
        if ($role) {
            $this->privacyofficer($role);
        }
        if ($service && $user) {
            $this->authorised($service, $user);
            $this->keeptoken($service, $user);
        }
        if ($this->apply) {
            set_config(self::MODES_CONFIG, implode(',', $this->modes), 'local_registrybridge');
        }
        return $this;
    }

    /**
     * The report, one entry per item: ok (as needed now), changed (repaired by this run), text.
     *
     * @return array[]
     */
    public function report(): array {
        return $this->report;
    }

    /**
     * Whether anything differed (in check mode) or was changed (otherwise).
     *
     * @return bool
     */
    public function differs(): bool {
        foreach ($this->report as $item) {
            if ($item['changed'] || !$item['ok']) {
                return true;
            }
        }
        return false;
    }

    /**
     * The token minted by this run, if any: shown once, never stored by the plugin.
     *
     * @return string|null
     */
    public function token(): ?string {
        return $this->token;
    }

    /**
     * Records an item as it is.
     *
     * @param string $text
     */
    private function ok(string $text): void {
        $this->report[] = ['ok' => true, 'changed' => false, 'text' => $text];
    }

    /**
     * Records a difference; repairs it unless checking. Returns whether it was repaired.
     *
     * @param string $text what differs
     * @param callable|null $repair how to repair it; null: it cannot be repaired here
     * @return bool
     */
    private function differ(string $text, ?callable $repair): bool {
        if ($this->apply && $repair !== null) {
            $repair();
            $this->report[] = ['ok' => true, 'changed' => true, 'text' => $text];
            return true;
        }
        $this->report[] = ['ok' => false, 'changed' => false, 'text' => $text];
        return false;
    }

    /**
     * Web services and the REST protocol on.
     */
    private function webservices(): void {
        global $CFG;
        if (empty($CFG->enablewebservices)) {
            $this->differ('web services are disabled (enablewebservices)', function() {
                set_config('enablewebservices', 1);
            });
        } else {
            $this->ok('web services are enabled');
        }
        $protocols = empty($CFG->webserviceprotocols) ? [] : explode(',', $CFG->webserviceprotocols);
        if (!in_array('rest', $protocols, true)) {
            $this->differ('the REST protocol is disabled (webserviceprotocols)', function() use ($protocols) {
                $protocols[] = 'rest';
                set_config('webserviceprotocols', implode(',', $protocols));
            });
        } else {
            $this->ok('the REST protocol is enabled');
        }
    }

    /**
     * The plugin's service: enabled, restricted to authorised users, exactly the modes' functions.
     *
     * @return \stdClass|null the service, or null where it is missing (and was not created)
     */
    private function service(): ?\stdClass {
        global $DB, $CFG;
        $find = function() use ($DB) {
            return $DB->get_record('external_services',
                ['shortname' => self::SERVICE_SHORTNAME, 'component' => 'local_registrybridge']) ?: null;
        };
        $service = $find();
        if ($service === null) {
            $this->differ('the service ' . self::SERVICE_SHORTNAME . ' is missing', function() use ($CFG) {
                require_once($CFG->libdir . '/upgradelib.php');
                set_config(self::MODES_CONFIG, implode(',', $this->modes), 'local_registrybridge');
                external_update_descriptions('local_registrybridge');
            });
            $service = $find();
            if ($service === null) {
                return null;
            }
        }
        $name = 'service ' . self::SERVICE_SHORTNAME;
        foreach (['enabled' => 'is disabled', 'restrictedusers' => 'is open to all users'] as $field => $wrong) {
            if (empty($service->$field)) {
                $this->differ("$name $wrong", function() use ($DB, $service, $field) {
                    $DB->set_field('external_services', $field, 1, ['id' => $service->id]);
                });
            }
        }
        $wanted = self::service_functions($this->modes);
        $present = $DB->get_fieldset_select('external_services_functions', 'functionname',
            'externalserviceid = ?', [$service->id]);
        $installed = $DB->get_fieldset_select('external_functions', 'name', '');
        $changes = 0;
        foreach (array_diff($wanted, $present) as $function) {
            if (!in_array($function, $installed, true)) {
                $this->differ("$name: function $function is not installed on this site (upgrade Moodle)", null);
                continue;
            }
            $changes++;
            $this->differ("$name: function $function is missing", function() use ($DB, $service, $function) {
                $DB->insert_record('external_services_functions',
                    (object) ['externalserviceid' => $service->id, 'functionname' => $function]);
            });
        }
        foreach (array_diff($present, $wanted) as $function) {
            $changes++;
            $this->differ("$name: function $function is not needed", function() use ($DB, $service, $function) {
                $DB->delete_records('external_services_functions',
                    ['externalserviceid' => $service->id, 'functionname' => $function]);
            });
        }
        if ($changes === 0 && $service->enabled && $service->restrictedusers) {
            $this->ok("$name: enabled, authorised users only, the " . count($wanted) . ' functions needed');
        }
        return $service;
    }

    /**
     * The role: assignable at system level only, allowing exactly the modes' capabilities there.
     *
     * @return \stdClass|null the role, or null where it is missing (and was not created)
     */
    private function role(): ?\stdClass {
        global $DB;
        $role = $DB->get_record('role', ['shortname' => self::ROLE_SHORTNAME]) ?: null;
        if ($role === null) {
            $this->differ('the role ' . self::ROLE_NAME . ' is missing', function() {
                create_role(self::ROLE_NAME, self::ROLE_SHORTNAME,
                    'Web-service account of the GDPR register; kept by local_registrybridge (cli/setup.php).');
            });
            $role = $DB->get_record('role', ['shortname' => self::ROLE_SHORTNAME]) ?: null;
            if ($role === null) {
                return null;
            }
        }
        $name = 'role ' . self::ROLE_NAME;
        $changes = 0;
        $levels = array_values(get_role_contextlevels($role->id));
        if ($levels != [CONTEXT_SYSTEM]) {
            $changes++;
            $this->differ("$name: not assignable at system level only", function() use ($role) {
                set_role_contextlevels($role->id, [CONTEXT_SYSTEM]);
            });
        }
        $context = \context_system::instance();
        $wanted = self::role_capabilities($this->modes);
        $held = $DB->get_records_menu('role_capabilities', ['roleid' => $role->id, 'contextid' => $context->id],
            '', 'capability, permission');
        $defined = $DB->get_fieldset_select('capabilities', 'name', '');
        foreach ($wanted as $capability) {
            if (($held[$capability] ?? null) == CAP_ALLOW) {
                continue;
            }
            $changes++;
            if (!in_array($capability, $defined, true)) {
                $this->differ("$name: capability $capability does not exist on this site", null);
                continue;
            }
            $this->differ("$name: capability $capability is not allowed",
                function() use ($capability, $role, $context) {
                    assign_capability($capability, CAP_ALLOW, $role->id, $context->id, true);
                });
        }
        foreach ($held as $capability => $permission) {
            if (in_array($capability, $wanted, true) || in_array($capability, self::OPTIONAL_CAPABILITIES, true)
                    || $permission == CAP_INHERIT) {
                continue;
            }
            $changes++;
            $this->differ("$name: capability $capability is set but not needed",
                function() use ($capability, $role, $context) {
                    unassign_capability($capability, $role->id, $context->id);
                });
        }
        if ($changes === 0) {
            $this->ok("$name: system level, the " . count($wanted) . ' capabilities needed');
        }
        if ($this->apply) {
            $context->mark_dirty();
        }
        return $role;
    }

    /**
     * The service user: web-service authentication, active, complete, not a site admin.
     *
     * @return \stdClass|null the user, or null where it is missing (and was not created)
     */
    private function user(): ?\stdClass {
        global $DB, $CFG;
        require_once($CFG->dirroot . '/user/lib.php');
        $find = function() use ($DB, $CFG) {
            return $DB->get_record('user', ['username' => self::USERNAME, 'mnethostid' => $CFG->mnet_localhost_id,
                'deleted' => 0]) ?: null;
        };
        $email = $this->options['email'];
        // Moodle checks on every call that the account has an e-mail address; the site's no-reply
        // address serves where none is given (a site installed from the command line has none yet).
        $fallback = $email ?? (validate_email($CFG->noreplyaddress ?? '') ? $CFG->noreplyaddress : null);
        $user = $find();
        if ($user === null) {
            $create = $fallback === null ? null : function() use ($CFG, $fallback) {
                user_create_user((object) [
                    'username' => self::USERNAME, 'auth' => 'webservice', 'confirmed' => 1,
                    'mnethostid' => $CFG->mnet_localhost_id, 'firstname' => 'LMS registry', 'lastname' => 'Bridge',
                    'email' => $fallback, 'password' => '',
                ], false, false);
            };
            $this->differ('the service user ' . self::USERNAME . ' is missing'
                . ($create ? '' : ': give its e-mail address (--email, a mailbox of the team running the bridge)'),
                $create);
            $user = $find();
            if ($user === null) {
                return null;
            }
        }
        $name = 'service user ' . self::USERNAME;
        $fixes = [
            'auth' => ['webservice', 'does not use web services authentication'],
            'suspended' => [0, 'is suspended'],
            'confirmed' => [1, 'is not confirmed'],
        ];
        if ($email !== null) {
            $fixes['email'] = [$email, 'has another e-mail address'];
        }
        $changes = 0;
        foreach ($fixes as $field => [$value, $wrong]) {
            if ((string) $user->$field !== (string) $value) {
                $changes++;
                $this->differ("$name $wrong", function() use ($user, $field, $value) {
                    user_update_user((object) ['id' => $user->id, $field => $value], false, false);
                });
            }
        }
        $defaults = ['firstname' => 'LMS registry', 'lastname' => 'Bridge', 'email' => $fallback];
        foreach ($defaults as $field => $value) {
            if (trim((string) $user->$field) === '') {
                $changes++;
                $this->differ("$name has no $field", $value === null ? null : function() use ($user, $field, $value) {
                    user_update_user((object) ['id' => $user->id, $field => $value], false, false);
                });
            }
        }
        if (get_user_preferences('auth_forcepasswordchange', false, $user->id)) {
            $changes++;
            $this->differ("$name must change its password", function() use ($user) {
                unset_user_preference('auth_forcepasswordchange', $user->id);
            });
        }
        if (is_siteadmin($user->id)) {
            $changes++;
            $this->differ("$name is a site administrator", function() use ($user, $CFG) {
                $admins = array_diff(explode(',', $CFG->siteadmins), [$user->id]);
                set_config('siteadmins', implode(',', $admins));
            });
        }
        $user = $find();
        if (user_not_fully_set_up($user, false)) {
            $changes++;
            $this->differ("$name has a required profile field empty: fill it in (Site administration > Users > "
                . 'Accounts > Browse list of users)', null);
        }
        if ($changes === 0) {
            $this->ok("$name: web services authentication, active, not a site admin");
        }
        return $user;
    }

    /**
     * The role assigned to the service user at system level.
     *
     * @param \stdClass $role
     * @param \stdClass $user
     */
    private function assignment(\stdClass $role, \stdClass $user): void {
        $context = \context_system::instance();
        if (user_has_role_assignment($user->id, $role->id, $context->id)) {
            $this->ok('role ' . self::ROLE_NAME . ' assigned to ' . self::USERNAME . ' at system level');
            return;
        }
        $this->differ('role ' . self::ROLE_NAME . ' is not assigned to ' . self::USERNAME . ' at system level',
            function() use ($role, $user, $context) {
                role_assign($role->id, $user->id, $context->id);
            });
    }

    /**
     * "Contact the privacy officer" on and the role among the privacy officer roles.
     *
     * @param \stdClass $role
     */
    private function privacyofficer(\stdClass $role): void {
        if (!get_config('tool_dataprivacy', 'contactdataprotectionofficer')) {
            $this->differ('Contact the privacy officer (tool_dataprivacy | contactdataprotectionofficer) is off',
                function() {
                    set_config('contactdataprotectionofficer', 1, 'tool_dataprivacy');
                });
        } else {
            $this->ok('Contact the privacy officer is on');
        }
        $roles = array_filter(explode(',', str_replace(' ', '', (string) get_config('tool_dataprivacy', 'dporoles'))));
        if (!in_array((string) $role->id, $roles, true)) {
            $this->differ('role ' . self::ROLE_NAME . ' is not a privacy officer role (tool_dataprivacy | dporoles)',
                function() use ($roles, $role) {
                    global $DB;
                    // Ids of deleted roles (e.g. a role deleted and made again) are dropped on the way.
                    $roles = array_keys($DB->get_records_list('role', 'id', $roles, '', 'id'));
                    $roles[] = $role->id;
                    set_config('dporoles', implode(',', $roles), 'tool_dataprivacy');
                });
        } else {
            $this->ok('role ' . self::ROLE_NAME . ' is a privacy officer role');
        }
    }

    /**
     * The service user among the service's authorised users.
     *
     * @param \stdClass $service
     * @param \stdClass $user
     */
    private function authorised(\stdClass $service, \stdClass $user): void {
        global $DB;
        $key = ['externalserviceid' => $service->id, 'userid' => $user->id];
        if ($DB->record_exists('external_services_users', $key)) {
            $this->ok(self::USERNAME . ' is an authorised user of service ' . self::SERVICE_SHORTNAME);
            return;
        }
        $this->differ(self::USERNAME . ' is not an authorised user of service ' . self::SERVICE_SHORTNAME,
            function() use ($DB, $key) {
                $DB->insert_record('external_services_users', (object) ($key + ['timecreated' => time()]));
            });
    }

    /**
     * A valid token of the service user for the service, with the IP restriction and validity
     * asked for. An existing valid token is kept (and never shown again) unless newtoken is set.
     *
     * @param \stdClass $service
     * @param \stdClass $user
     */
    private function keeptoken(\stdClass $service, \stdClass $user): void {
        global $DB;
        $select = 'externalserviceid = ? AND userid = ? AND tokentype = ? AND (validuntil = 0 OR validuntil > ?)';
        $valid = $DB->get_records_select('external_tokens', $select,
            [$service->id, $user->id, EXTERNAL_TOKEN_PERMANENT, time()], 'id');
        if ($this->options['newtoken'] || !$valid) {
            $text = $valid ? 'a new token was asked for (the old one stops working)' : 'no valid token';
            $this->differ($text, function() use ($DB, $service, $user, $valid) {
                foreach ($valid as $old) {
                    $DB->delete_records('external_tokens', ['id' => $old->id]);
                }
                $validuntil = $this->options['validuntil'] ?? self::parse_validity(null, (string) self::DEFAULT_VALID_DAYS);
                $this->token = self::mint($service, $user->id, (int) $validuntil,
                    (string) ($this->options['iprestriction'] ?? ''));
            });
            return;
        }
        $changes = 0;
        foreach ($valid as $token) {
            $limits = ['iprestriction' => 'IP restriction', 'validuntil' => 'validity'];
            foreach ($limits as $field => $label) {
                $want = $this->options[$field];
                if ($want === null || (string) $token->$field === (string) $want) {
                    continue;
                }
                $changes++;
                $this->differ("token #{$token->id}: $label is " . self::limit($field, $token->$field)
                    . ', asked ' . self::limit($field, $want), function() use ($DB, $token, $field, $want) {
                        $DB->set_field('external_tokens', $field, $want === '' ? null : $want, ['id' => $token->id]);
                    });
            }
        }
        if ($changes === 0) {
            $token = reset($valid);
            $this->ok("a valid token exists (#{$token->id}, IP restriction "
                . self::limit('iprestriction', $token->iprestriction) . ', valid until '
                . self::limit('validuntil', $token->validuntil) . '); it is not shown again: --new-token replaces it');
        }
    }

    /**
     * A token limit in words.
     *
     * @param string $field iprestriction or validuntil
     * @param mixed $value
     * @return string
     */
    private static function limit(string $field, $value): string {
        if (empty($value)) {
            return $field === 'validuntil' ? 'never expires' : 'none';
        }
        return $field === 'validuntil' ? gmdate('Y-m-d H:i', (int) $value) . ' UTC' : (string) $value;
    }

    /**
     * Mints a permanent token, on Moodle 4.1 through the legacy function.
     *
     * @param \stdClass $service
     * @param int $userid
     * @param int $validuntil 0 = never expires
     * @param string $iprestriction '' = any address
     * @return string
     */
    private static function mint(\stdClass $service, int $userid, int $validuntil, string $iprestriction): string {
        global $CFG;
        $context = \context_system::instance();
        if (class_exists('\core_external\util')) {
            return \core_external\util::generate_token(EXTERNAL_TOKEN_PERMANENT, $service, $userid, $context,
                $validuntil, $iprestriction, 'lms-registry-bridge ' . gmdate('Y-m-d'));
        }
        require_once($CFG->libdir . '/externallib.php');
        return external_generate_token(EXTERNAL_TOKEN_PERMANENT, $service, $userid, $context, $validuntil,
            $iprestriction);
    }
}
