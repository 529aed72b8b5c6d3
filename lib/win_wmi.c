/* The WMI range reader of the Windows backend (win.h): the dynamic port range from
 * ROOT\StandardCimv2, MSFT_NetTCPSetting or MSFT_NetUDPSetting, which Windows 8 / Server 2012
 * and later have. */
#define COBJMACROS
#include <windows.h>
#include <oleauto.h>
#include <wbemidl.h>

#include "win.h"

#include <stdbool.h>

/* The COM objects of one query; win_wmi_release() releases them. */
struct win_wmi_query {
	IWbemLocator *loc;
	IWbemServices *svc;
	IEnumWbemClassObject *en;
	BSTR ns, lang, query;
};

/* A WMI integer property as an unsigned number; false for NULL (a template without the
 * setting) and anything not an integer. */
static bool win_wmi_variant_uint(const VARIANT *v, unsigned long *out)
{
	switch (V_VT(v)) {
	case VT_I4:
		*out = (unsigned long)V_I4(v);
		return V_I4(v) >= 0;
	case VT_UI4:
		*out = V_UI4(v);
		return true;
	case VT_I2:
		*out = (unsigned long)V_I2(v);
		return V_I2(v) >= 0;
	case VT_UI2:
		*out = V_UI2(v);
		return true;
	default:
		return false;
	}
}

static bool win_wmi_uint(IWbemClassObject *obj, const wchar_t *name, unsigned long *out)
{
	VARIANT v;
	bool got;

	VariantInit(&v);
	if (FAILED(IWbemClassObject_Get(obj, name, 0, &v, NULL, NULL))) {
		return false;
	}
	got = win_wmi_variant_uint(&v, out);
	VariantClear(&v);
	return got;
}

static bool win_wmi_is_internet(IWbemClassObject *obj)
{
	VARIANT v;
	bool yes = false;

	VariantInit(&v);
	if (SUCCEEDED(IWbemClassObject_Get(obj, L"SettingName", 0, &v, NULL, NULL)) &&
	    V_VT(&v) == VT_BSTR && V_BSTR(&v)) {
		yes = _wcsicmp(V_BSTR(&v), L"Internet") == 0;
	}
	VariantClear(&v);
	return yes;
}

/* Connects to ROOT\StandardCimv2 and starts the query of proto's setting class: q->en then
 * lists its instances. COM is initialised by the caller. */
static int win_wmi_query_start(enum eph_proto proto, struct win_wmi_query *q, struct eph_err *err)
{
	HRESULT hr;

	hr = CoCreateInstance(&CLSID_WbemLocator, NULL, CLSCTX_INPROC_SERVER, &IID_IWbemLocator,
			      (void **)&q->loc);
	if (FAILED(hr)) {
		eph_err_set(err, "WMI: no locator (0x%08lx)", (unsigned long)hr);
		return -1;
	}
	q->ns = SysAllocString(L"ROOT\\StandardCimv2");
	q->lang = SysAllocString(L"WQL");
	q->query = SysAllocString(proto == EPH_TCP ? L"SELECT * FROM MSFT_NetTCPSetting"
						   : L"SELECT * FROM MSFT_NetUDPSetting");
	if (!q->ns || !q->lang || !q->query) {
		eph_err_set(err, "WMI: out of memory");
		return -1;
	}
	hr = IWbemLocator_ConnectServer(q->loc, q->ns, NULL, NULL, NULL, 0, NULL, NULL, &q->svc);
	if (FAILED(hr)) {
		eph_err_set(err, "WMI: no ROOT\\StandardCimv2 (0x%08lx)", (unsigned long)hr);
		return -1;
	}
	CoSetProxyBlanket((IUnknown *)q->svc, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, NULL,
			  RPC_C_AUTHN_LEVEL_CALL, RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE);
	hr = IWbemServices_ExecQuery(q->svc, q->lang, q->query,
				     WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY, NULL,
				     &q->en);
	if (FAILED(hr)) {
		eph_err_set(err, "WMI: query failed (0x%08lx)", (unsigned long)hr);
		return -1;
	}
	return 0;
}

/* Picks the range among the instances: the "Internet" template when it has values, else the
 * first that has. Returns false when none has. */
static bool win_wmi_pick(IEnumWbemClassObject *en, unsigned long *start, unsigned long *count)
{
	bool found = false;

	/* A handful of templates exist (Internet, Datacenter, Compat, ...); bounded anyway. */
	for (int i = 0; i < 64; i++) {
		IWbemClassObject *obj = NULL;
		unsigned long s, c;
		ULONG got = 0;
		bool internet;

		if (IEnumWbemClassObject_Next(en, 5000, 1, &obj, &got) != WBEM_S_NO_ERROR ||
		    got == 0) {
			break;
		}
		internet = win_wmi_is_internet(obj);
		/* Some templates return null for the range: skip those. */
		if (win_wmi_uint(obj, L"DynamicPortRangeStartPort", &s) &&
		    win_wmi_uint(obj, L"DynamicPortRangeNumberOfPorts", &c) && s >= 1 && c >= 1 &&
		    s + c - 1 <= 65535 && (!found || internet)) {
			*start = s;
			*count = c;
			found = true;
		}
		IWbemClassObject_Release(obj);
		if (found && internet) {
			break;
		}
	}
	return found;
}

static void win_wmi_release(struct win_wmi_query *q)
{
	if (q->en) {
		IEnumWbemClassObject_Release(q->en);
	}
	if (q->svc) {
		IWbemServices_Release(q->svc);
	}
	if (q->loc) {
		IWbemLocator_Release(q->loc);
	}
	SysFreeString(q->ns);
	SysFreeString(q->lang);
	SysFreeString(q->query);
}

int win_wmi_read_range(enum eph_proto proto, uint16_t *lo, uint16_t *hi, struct eph_err *err)
{
	struct win_wmi_query q = { 0 };
	unsigned long start = 0, count = 0;
	bool com;
	HRESULT hr;
	int rc = -1;

	hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
	if (FAILED(hr) && hr != RPC_E_CHANGED_MODE) {
		eph_err_set(err, "WMI: COM init failed (0x%08lx)", (unsigned long)hr);
		return -1;
	}
	com = SUCCEEDED(hr);
	/* Fails with RPC_E_TOO_LATE when already done in this process; the defaults are fine. */
	CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_DEFAULT,
			     RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE, NULL);
	if (win_wmi_query_start(proto, &q, err) < 0) {
		goto out;
	}
	if (!win_wmi_pick(q.en, &start, &count)) {
		eph_err_set(err, "WMI: no %s setting with a port range",
			    proto == EPH_TCP ? "MSFT_NetTCPSetting" : "MSFT_NetUDPSetting");
		goto out;
	}
	*lo = (uint16_t)start;
	*hi = (uint16_t)(start + count - 1);
	rc = 0;
out:
	win_wmi_release(&q);
	if (com) {
		CoUninitialize();
	}
	return rc;
}
