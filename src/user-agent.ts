/** How every cluster and S3 request of this plugin names itself (client_options.user_agent_extra is appended). */
export const PLUGIN_USER_AGENT = 'console-snapshot-plugin/0.1.0'
