// English and Chinese. The language is the browser's (zh* -> Chinese) until the user picks one.
const messages = {
  en: {
    'app.title': 'claude-gateway',
    'nav.dashboard': 'Dashboard', 'nav.history': 'Requests', 'nav.keys': 'Keys', 'nav.budgets': 'Budgets',
    'nav.logout': 'Log out', 'nav.language': 'Language', 'nav.main': 'Main',
    'role.admin': 'Administrator', 'role.viewer': 'Read-only: {user}',
    'login.title': 'Sign in to the gateway admin',
    'login.key': 'Master key or gateway API key',
    'login.hint': 'The master key administers everything; a gateway key (sk-gw-…) signs in read-only to its own usage and keys.',
    'login.submit': 'Sign in', 'login.expired': 'Your session ended; sign in again.',
    'range.label': 'Range', 'range.1h': 'Last hour', 'range.24h': 'Last 24 hours', 'range.7d': 'Last 7 days', 'range.30d': 'Last 30 days', 'range.custom': 'Custom',
    'range.from': 'From', 'range.to': 'To', 'range.apply': 'Apply',
    'live.label': 'Live refresh', 'live.updated': 'Updated {time}', 'action.refresh': 'Refresh',
    'card.requests': 'Requests', 'card.success': 'Success rate', 'card.errors': 'Errors',
    'card.latency': 'Latency p50 / p95', 'card.ttfb': 'Time to first byte p50 / p95',
    'card.tokens_in': 'Input tokens', 'card.tokens_out': 'Output tokens', 'card.cache_read': 'Cache read', 'card.cache_write': 'Cache write', 'card.cost': 'Cost',
    'chart.requests': 'Requests and errors over time', 'chart.cost': 'Cost over time', 'chart.tokens': 'Tokens over time',
    'series.requests': 'Requests', 'series.errors': 'Errors', 'series.cost': 'Cost (USD)', 'series.input': 'Input', 'series.output': 'Output',
    'group.user': 'Top users by cost', 'group.key': 'Top keys by cost', 'group.model_requested': 'Model asked', 'group.model_served': 'Model served',
    'group.provider': 'Provider', 'group.error_type': 'Errors by type', 'group.fallback': 'Fallbacks (trigger → served by)',
    'col.name': 'Name', 'col.requests': 'Requests', 'col.errors': 'Errors', 'col.tokens': 'Tokens in / out', 'col.cost': 'Cost',
    'col.time': 'Time', 'col.request_id': 'Request id', 'col.user': 'User', 'col.key': 'Key', 'col.model': 'Model asked → served',
    'col.provider': 'Provider', 'col.region': 'Region', 'col.tier': 'Tier', 'col.stream': 'Stream', 'col.status': 'Status', 'col.error': 'Error',
    'col.fallback': 'Fallback', 'col.cache': 'Cache read / write', 'col.latency': 'Latency', 'col.ttfb': 'TTFB', 'col.route': 'Route', 'col.state': 'State',
    'col.prefix': 'Key', 'col.limits': 'Limits (rpm / tpm)', 'col.budget': 'Monthly budget', 'col.created': 'Created', 'col.actions': 'Actions',
    'col.spent': 'Spent', 'col.reserved': 'Held', 'col.remaining': 'Remaining', 'col.use': 'Used', 'col.month': 'Month',
    'empty.none': 'Nothing in this range yet.',
    'filter.user': 'User', 'filter.key': 'Key id', 'filter.model': 'Model asked', 'filter.provider': 'Provider', 'filter.outcome': 'Outcome',
    'filter.error_type': 'Error type', 'filter.any': 'Any', 'filter.ok': 'Succeeded', 'filter.error': 'Failed', 'filter.apply': 'Filter', 'filter.clear': 'Clear',
    'history.csv': 'Export CSV', 'history.newer': '← Newer', 'history.older': 'Older →', 'history.page': 'Page {page}',
    'history.detail': 'Request {id}', 'history.close': 'Close', 'history.no_content': 'Message content and credentials are never stored or shown.',
    'yes': 'yes', 'no': 'no', 'in_progress': 'in progress',
    'keys.create': 'Create a key', 'keys.user': 'User id', 'keys.name': 'Name', 'keys.tier': 'Service tier', 'keys.rpm': 'Requests per minute',
    'keys.tpm': 'Tokens per minute', 'keys.budget': 'Monthly budget (USD)', 'keys.none': 'none', 'keys.default_tier': 'default (none)',
    'keys.created_once': 'Copy this key now: it is shown only once.', 'keys.copy': 'Copy', 'keys.copied': 'Copied', 'keys.done': 'Done',
    'keys.edit': 'Edit', 'keys.save': 'Save', 'keys.cancel': 'Cancel', 'keys.disable': 'Disable', 'keys.enable': 'Enable', 'keys.revoke': 'Revoke',
    'keys.usage': 'Usage', 'keys.confirm_revoke': 'Revoke {prefix}… for good? Clients using it are refused at once.',
    'keys.this_month': 'This month', 'keys.by_month': 'Spend by month', 'keys.empty': 'No keys yet.',
    'keys.editing': 'Edit {prefix}…', 'keys.blank_clears': 'An empty limit or budget removes it.',
    'status.active': 'active', 'status.disabled': 'disabled', 'status.revoked': 'revoked', 'status.budget_exceeded': 'budget spent', 'status.disabled_by_admin': 'disabled by an admin',
    'budgets.month': 'Month', 'budgets.title': 'Spent vs budget', 'budgets.disabled': 'Keys disabled by their budget', 'budgets.empty': 'No key has a budget or spend this month.',
    'budgets.no_budget': 'no budget',
    'nav.models': 'Models & routes',
    'models.search': 'Find a model', 'models.tiers': 'Service tier multipliers', 'models.pricing': 'Prices per million tokens (USD)',
    'models.hint': 'Prices and mappings come from the model catalog and the configuration (models:, routes:, the DynamoDB pricing tables); edits there take effect at the next start.',
    'models.model': 'Model', 'models.status': 'Status', 'models.input': 'Input', 'models.output': 'Output', 'models.cache_read': 'Cache read',
    'models.cache_write_5m': 'Cache write 5 m', 'models.cache_write_1h': 'Cache write 1 h', 'models.chain': 'Targets in order (now)',
    'models.routes': 'Configured routes', 'models.no_routes': 'No routes configured: every model takes the zero-configuration chain.',
    'models.match': 'Model match', 'models.targets': 'Targets', 'models.cooldowns': 'Cooldowns in force', 'models.no_cooldowns': 'No target is cooling down.',
    'models.target': 'Target', 'models.reason': 'Reason', 'models.remaining': 'Remaining', 'models.unavailable': 'not served here',
    'error.generic': 'Something went wrong: {message}',
  },
  zh: {
    'app.title': 'claude-gateway',
    'nav.dashboard': '仪表盘', 'nav.history': '请求记录', 'nav.keys': 'API 密钥', 'nav.budgets': '预算',
    'nav.logout': '退出登录', 'nav.language': '语言', 'nav.main': '主导航',
    'role.admin': '管理员', 'role.viewer': '只读：{user}',
    'login.title': '登录网关管理后台',
    'login.key': '主密钥或网关 API 密钥',
    'login.hint': '主密钥可管理一切；网关密钥（sk-gw-…）以只读方式登录，只能查看自己的用量和密钥。',
    'login.submit': '登录', 'login.expired': '会话已结束，请重新登录。',
    'range.label': '时间范围', 'range.1h': '最近 1 小时', 'range.24h': '最近 24 小时', 'range.7d': '最近 7 天', 'range.30d': '最近 30 天', 'range.custom': '自定义',
    'range.from': '开始', 'range.to': '结束', 'range.apply': '应用',
    'live.label': '自动刷新', 'live.updated': '更新于 {time}', 'action.refresh': '刷新',
    'card.requests': '请求数', 'card.success': '成功率', 'card.errors': '错误数',
    'card.latency': '延迟 p50 / p95', 'card.ttfb': '首字节时间 p50 / p95',
    'card.tokens_in': '输入 token', 'card.tokens_out': '输出 token', 'card.cache_read': '缓存读取', 'card.cache_write': '缓存写入', 'card.cost': '费用',
    'chart.requests': '请求与错误趋势', 'chart.cost': '费用趋势', 'chart.tokens': 'Token 趋势',
    'series.requests': '请求', 'series.errors': '错误', 'series.cost': '费用（美元）', 'series.input': '输入', 'series.output': '输出',
    'group.user': '费用最高的用户', 'group.key': '费用最高的密钥', 'group.model_requested': '请求的模型', 'group.model_served': '实际服务的模型',
    'group.provider': '服务商', 'group.error_type': '错误类型', 'group.fallback': '故障转移（触发原因 → 服务商）',
    'col.name': '名称', 'col.requests': '请求数', 'col.errors': '错误', 'col.tokens': '输入 / 输出 token', 'col.cost': '费用',
    'col.time': '时间', 'col.request_id': '请求 ID', 'col.user': '用户', 'col.key': '密钥', 'col.model': '请求模型 → 服务模型',
    'col.provider': '服务商', 'col.region': '区域', 'col.tier': '服务等级', 'col.stream': '流式', 'col.status': '状态码', 'col.error': '错误',
    'col.fallback': '故障转移', 'col.cache': '缓存读 / 写', 'col.latency': '延迟', 'col.ttfb': '首字节', 'col.route': '接口', 'col.state': '状态',
    'col.prefix': '密钥', 'col.limits': '限额（rpm / tpm）', 'col.budget': '月度预算', 'col.created': '创建时间', 'col.actions': '操作',
    'col.spent': '已花费', 'col.reserved': '预留', 'col.remaining': '剩余', 'col.use': '使用率', 'col.month': '月份',
    'empty.none': '此时间范围内暂无数据。',
    'filter.user': '用户', 'filter.key': '密钥 ID', 'filter.model': '请求模型', 'filter.provider': '服务商', 'filter.outcome': '结果',
    'filter.error_type': '错误类型', 'filter.any': '全部', 'filter.ok': '成功', 'filter.error': '失败', 'filter.apply': '筛选', 'filter.clear': '清除',
    'history.csv': '导出 CSV', 'history.newer': '← 较新', 'history.older': '较早 →', 'history.page': '第 {page} 页',
    'history.detail': '请求 {id}', 'history.close': '关闭', 'history.no_content': '消息内容和凭据从不存储，也不显示。',
    'yes': '是', 'no': '否', 'in_progress': '进行中',
    'keys.create': '创建密钥', 'keys.user': '用户 ID', 'keys.name': '名称', 'keys.tier': '服务等级', 'keys.rpm': '每分钟请求数',
    'keys.tpm': '每分钟 token 数', 'keys.budget': '月度预算（美元）', 'keys.none': '无', 'keys.default_tier': '默认（无）',
    'keys.created_once': '请立即复制此密钥：它只显示这一次。', 'keys.copy': '复制', 'keys.copied': '已复制', 'keys.done': '完成',
    'keys.edit': '编辑', 'keys.save': '保存', 'keys.cancel': '取消', 'keys.disable': '停用', 'keys.enable': '启用', 'keys.revoke': '吊销',
    'keys.usage': '用量', 'keys.confirm_revoke': '永久吊销 {prefix}…？使用它的客户端将立即被拒绝。',
    'keys.this_month': '本月', 'keys.by_month': '每月花费', 'keys.empty': '还没有密钥。',
    'keys.editing': '编辑 {prefix}…', 'keys.blank_clears': '限额或预算留空即表示取消。',
    'status.active': '启用', 'status.disabled': '停用', 'status.revoked': '已吊销', 'status.budget_exceeded': '预算已用完', 'status.disabled_by_admin': '被管理员停用',
    'budgets.month': '月份', 'budgets.title': '花费与预算', 'budgets.disabled': '因预算停用的密钥', 'budgets.empty': '本月没有设置预算或产生花费的密钥。',
    'budgets.no_budget': '无预算',
    'nav.models': '模型与路由',
    'models.search': '查找模型', 'models.tiers': '服务等级倍率', 'models.pricing': '每百万 token 价格（美元）',
    'models.hint': '价格与映射来自模型目录和配置（models:、routes:、DynamoDB 价格表）；修改后在下次启动时生效。',
    'models.model': '模型', 'models.status': '状态', 'models.input': '输入', 'models.output': '输出', 'models.cache_read': '缓存读取',
    'models.cache_write_5m': '缓存写入 5 分钟', 'models.cache_write_1h': '缓存写入 1 小时', 'models.chain': '当前目标顺序',
    'models.routes': '已配置的路由', 'models.no_routes': '未配置路由：所有模型使用零配置链路。',
    'models.match': '模型匹配', 'models.targets': '目标', 'models.cooldowns': '冷却中的目标', 'models.no_cooldowns': '没有目标在冷却。',
    'models.target': '目标', 'models.reason': '原因', 'models.remaining': '剩余', 'models.unavailable': '此网关不提供',
    'error.generic': '出错了：{message}',
  },
};

let current = (() => {
  const saved = globalThis.localStorage ? localStorage.getItem('gw-admin-language') : null;
  if (saved === 'en' || saved === 'zh') return saved;
  return (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
})();

export function language() {
  return current;
}

export function setLanguage(next) {
  current = next === 'zh' ? 'zh' : 'en';
  localStorage.setItem('gw-admin-language', current);
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
}

export function t(key, parameters = {}) {
  const text = messages[current][key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(parameters[name] ?? ''));
}

export const languages = [['en', 'English'], ['zh', '中文']];
