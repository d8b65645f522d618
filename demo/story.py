"""The demo's world: accounts, departments, people, the planted story, our team, their
relationships and influence, and a year of interactions — built deterministically (fixed
seeds, a fixed "as of" date). ``generate.py`` writes it out; ``salesforce_export.py``
mirrors it as a Salesforce Data Export.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20261101
AS_OF = dt.date(2026, 11, 1)
FIXED_TIME = dt.datetime(2026, 11, 1, 9, 0, 0)
OUT = Path(__file__).resolve().parent

# --------------------------------------------------------------------------- accounts
# id, name, parent_id, kind, industry, region, tier, posture, share_of_wallet
ACCOUNTS = [
    ("A-G1", "华东重工集团", "", "group", "machinery", "华东", "A", "defend", 0.45),
    ("A-SZ", "华东重工苏州基地", "A-G1", "base", "machinery", "华东", "A", "maintain", 0.68),
    ("A-SZ-W1", "苏州基地结构件交易窗口", "A-SZ", "window", "machinery", "华东", "", "", None),
    ("A-SZ-W2", "苏州基地液压件交易窗口", "A-SZ", "交易窗口", "machinery", "华东", "", "", None),
    ("A-HF", "华东重工合肥基地", "A-G1", "基地", "machinery", "华东", "A", "防御", 0.38),
    ("A-HF-W1", "合肥基地动力系统交易窗口", "A-HF", "window", "machinery", "华东", "", "", None),
    ("A-HF-W2", "合肥基地电气件交易窗口", "A-HF", "window", "machinery", "华东", "", "", None),
    ("A-CQ", "华东重工（重庆）机械有限公司", "A-G1", "subsidiary", "machinery", "西南", "B", "进攻", 0.05),
    ("A-CQ-W1", "重庆子公司备件交易窗口", "A-CQ", "window", "machinery", "西南", "", "", None),
    ("A-HK", "East China Heavy Industry (HK) Trading Co., Ltd.", "A-G1", "子公司", "trading", "香港",
     "C", "attack", 0.10),
    ("A-JN", "江南智能装备股份有限公司", "", "company", "automation equipment", "华东", "B", "attack", 0.08),
]
# Salesforce-only: street, city, state, postcode, country, phone, website, revenue, employees
ADDRESS = {
    "A-G1": ("浦东新区张江路 1288 号", "上海市", "上海市", "201203", "China", "021-5080-1000",
             "www.echeavy.example.cn", 42_000_000_000, 18500),
    "A-SZ": ("苏州工业园区星湖街 88 号", "苏州市", "江苏省", "215021", "China", "0512-6288-3000", "",
             9_800_000_000, 4200),
    "A-HF": ("经济技术开发区繁华大道 66 号", "合肥市", "安徽省", "230601", "China", "0551-6380-2000", "",
             6_500_000_000, 3100),
    "A-CQ": ("两江新区金渝大道 199 号", "重庆市", "重庆市", "401122", "China", "023-6710-5000", "",
             3_200_000_000, 1600),
    "A-HK": ("88 Queensway, Admiralty", "Hong Kong", "Hong Kong", "", "Hong Kong", "+852 2800 1000",
             "www.echeavy-hk.example.com", 850_000_000, 45),
    "A-JN": ("新吴区长江路 21 号", "无锡市", "江苏省", "214028", "China", "0510-8522-7000",
             "www.jnzb.example.cn", 1_900_000_000, 950),
}
EMAIL_DOMAIN = {"A-G1": "echeavy.example.cn", "A-HK": "echeavy-hk.example.com",
                "A-JN": "jnzb.example.cn"}

# ------------------------------------------------------------------------ departments
# id, account_id, name, kind, parent_id, head reports to ("dept:index", "" = parent department's
# head, else the account's management head), staff "title[*count][<boss entry]" separated by |.
# Entry 0 is the head; other entries report to entry 0 unless "<n" says otherwise.
DEPARTMENTS = [
    ("D-G1-MGT", "A-G1", "集团高层", "management", "", "", "董事长|总裁|副总裁（供应链）<1|"
     "副总裁（技术）<1|副总裁（国际业务）<1|总裁助理<1|董事会秘书|总裁秘书<1"),
    ("D-G1-PUR", "A-G1", "集采中心", "purchasing", "", "D-G1-MGT:2", "集采中心总监|采购经理*2|采购专员*6<1"),
    ("D-G1-TEC", "A-G1", "集团技术中心", "design", "", "D-G1-MGT:3",
     "技术中心主任|副主任|高级工程师*3<1|标准化工程师<1"),
    ("D-G1-QUA", "A-G1", "质量管理部", "quality", "", "D-G1-MGT:1", "质量总监|质量经理|体系工程师<1"),
    ("D-G1-FIN", "A-G1", "财务部", "finance", "", "D-G1-MGT:1", "财务总监|财务经理|成本会计*2<1"),
    ("D-G1-LOG", "A-G1", "集团物流中心", "logistics", "", "D-G1-MGT:2", "物流总监|物流经理|调度员<1"),
    ("D-G1-AUD", "A-G1", "审计监察部", "other", "", "D-G1-MGT:0", "审计总监|审计专员*2"),
    ("D-SZ-MGT", "A-SZ", "基地管理层", "高层", "", "D-G1-MGT:1", "基地总经理|副总经理*2"),
    ("D-SZ-PUR", "A-SZ", "采购部", "采购", "", "", "采购总监|采购经理*2|采购专员*3<1"),
    ("D-SZ-DES", "A-SZ", "设计院", "设计", "", "",
     "设计院院长|副院长|结构设计主管<1|结构设计工程师*4<2|液压设计工程师*2<1"),
    ("D-SZ-PRC", "A-SZ", "工艺科", "工程", "D-SZ-DES", "", "工艺科长|工艺工程师*2"),
    ("D-SZ-USR", "A-SZ", "生产部", "使用", "", "", "生产部长|车间主任*3|班组长*5<1"),
    ("D-SZ-QUA", "A-SZ", "质量部", "质量", "", "", "质量经理|质检工程师*3"),
    ("D-SZ-LOG", "A-SZ", "物流部", "物流", "", "", "物流经理|仓储主管"),
    ("D-SZ-FIN", "A-SZ", "财务部", "财务", "", "", "财务经理|会计"),
    ("D-SZW1-PUR", "A-SZ-W1", "结构件采购组", "purchasing", "", "D-SZ-PUR:0", "采购经理|采购专员*3"),
    ("D-SZW2-PUR", "A-SZ-W2", "液压件采购组", "purchasing", "", "D-SZ-PUR:0", "采购主管|采购员*3"),
    ("D-HF-MGT", "A-HF", "基地管理层", "management", "", "D-G1-MGT:1", "基地总经理|副总经理"),
    ("D-HF-PUR", "A-HF", "采购部", "purchasing", "", "", "采购总监|采购经理|采购专员*4<1"),
    ("D-HF-DES", "A-HF", "技术部", "design", "", "", "总工程师|设计主管*2|机械设计工程师*3<1|电气工程师*2<1"),
    ("D-HF-USR", "A-HF", "制造部", "user", "", "", "制造部长|车间主任*2|设备主管|设备工程师*2<2|班组长*3<1"),
    ("D-HF-QUA", "A-HF", "质量部", "quality", "", "", "质量经理|质量工程师*3"),
    ("D-HF-LOG", "A-HF", "物流部", "logistics", "", "", "物流主管|计划员"),
    ("D-HF-FIN", "A-HF", "财务部", "finance", "", "", "财务经理|会计"),
    ("D-HFW1-PUR", "A-HF-W1", "动力系统采购组", "purchasing", "", "D-HF-PUR:0", "采购主管|采购员*3"),
    ("D-HFW2-PUR", "A-HF-W2", "电气件采购组", "purchasing", "", "D-HF-PUR:0", "采购主管|采购员*2"),
    ("D-CQ-MGT", "A-CQ", "总经理办公室", "高层", "", "D-G1-MGT:2", "总经理|副总经理"),
    ("D-CQ-PUR", "A-CQ", "采购部", "采购", "", "", "采购部长|采购专员*4"),
    ("D-CQ-DES", "A-CQ", "研发中心", "研发", "", "", "研发中心主任|设计工程师*4"),
    ("D-CQ-USR", "A-CQ", "生产部", "生产", "", "", "生产部长|车间主任*2|设备工程师*3<1"),
    ("D-CQ-QUA", "A-CQ", "质量部", "质量", "", "", "质量经理|质量工程师"),
    ("D-CQ-LOG", "A-CQ", "物流部", "物流", "", "", "物流主管|计划员"),
    ("D-CQW1-PUR", "A-CQ-W1", "备件采购组", "采购", "", "D-CQ-PUR:0", "采购主管|采购员*2"),
    ("D-HK-MGT", "A-HK", "Management", "management", "", "D-G1-MGT:4", "Managing Director"),
    ("D-HK-PUR", "A-HK", "Procurement", "purchasing", "", "", "Procurement Director|Buyer*2"),
    ("D-HK-ENG", "A-HK", "Engineering", "design", "", "",
     "Head of Engineering|Application Engineer*2"),
    ("D-HK-OPS", "A-HK", "Operations", "user", "", "", "Operations Manager|Warehouse Supervisor"),
    ("D-HK-FIN", "A-HK", "Finance", "finance", "", "", "Finance Manager"),
    ("D-JN-MGT", "A-JN", "总经办", "management", "", "", "董事长|总经理|副总经理<1"),
    ("D-JN-PUR", "A-JN", "采购部", "purchasing", "", "D-JN-MGT:1", "采购部经理|采购专员*3"),
    ("D-JN-DES", "A-JN", "研发部", "design", "", "D-JN-MGT:1", "研发总监|电气设计主管|电气工程师*3<1|软件工程师"),
    ("D-JN-USR", "A-JN", "生产部", "user", "", "D-JN-MGT:2", "生产经理|车间主任*2|设备工程师*2<1"),
    ("D-JN-QUA", "A-JN", "品质部", "quality", "", "D-JN-MGT:2", "品质经理|QE工程师"),
    ("D-JN-FIN", "A-JN", "财务部", "finance", "", "D-JN-MGT:1", "财务经理"),
]
KIND_CANON = {"采购": "purchasing", "设计": "design", "研发": "design", "工程": "design", "使用": "user",
              "生产": "user", "质量": "quality", "物流": "logistics", "财务": "finance", "高层": "management"}

# -------------------------------------------------------------------- planted story
# People are named by handle "department:index" (index in the department's staff, head = 0).
COACHES = ["D-G1-PUR:1", "D-SZ-PUR:1", "D-JN-DES:2"]  # none in HF, CQ, HK
HIDDEN_INFLUENCER = "D-SZ-PRC:1"          # staff engineer whom many people consult
OPPOSING_DECIDER = "D-HF-DES:0"           # 总工程师: decider in O2, stance -1, favours Siemens
NO_SUPPORTER_DEPT = "D-HF-DES"            # design department with no supporter (stance <= 0)
UNTOUCHED_ACCOUNTS = ["A-CQ", "A-CQ-W1"]  # subsidiary (and its window) with no relationship
GATED_DECIDER, GATEKEEPER = "D-HK-PUR:0", "D-HK-PUR:1"  # decider reachable only via the buyer
EXEC_NO_PEER = "D-G1-MGT:1"               # group 总裁: only our account manager knows them
EXEC_UNTOUCHED = "D-G1-MGT:4"             # group VP international: nobody on our side
STALE_EXEC = ("T01", "D-G1-MGT:0")        # our VP and the chairman: last met > 180 days ago
# handle: roles, stance ("?" = unknown), influence, competitor, notes; None keeps the generated
# value. Levels are left empty (inferred from the title) except for these few:
LEVELS = {"D-G1-MGT:5": "manager", "D-G1-MGT:6": "executive", "D-SZ-PRC:0": "manager",
          "D-HK-MGT:0": "executive", "D-HK-ENG:1": "staff", "D-JN-QUA:1": "staff"}
STORY = {
    "D-G1-MGT:0": ("decider", 1, 0.95, "", None),
    "D-G1-MGT:1": ("decider;influencer", 0, 0.9, "", None),
    "D-G1-MGT:2": ("decider", 2, 0.85, "", None),
    "D-G1-MGT:3": ("influencer", 1, 0.7, None, None),
    "D-G1-MGT:4": ("influencer", "?", 0.6, None, None),
    "D-G1-MGT:7": ("gatekeeper", 1, 0.3, "", None),
    "D-G1-PUR:0": ("influencer;buyer", 1, 0.8, "", None),
    "D-G1-PUR:1": ("buyer;influencer", 3, 0.55, "", None),
    "D-G1-TEC:0": ("influencer", 0, 0.75, "三一配套", "曾在三一重工工作 8 年，与三一配套关系密切"),
    "D-SZ-MGT:0": ("decider", 2, 0.9, "", None),
    "D-SZ-PUR:0": ("decider;buyer", 2, 0.75, "", None),
    "D-SZ-PUR:1": ("buyer;gatekeeper", 3, 0.5, "", None),
    "D-SZ-DES:0": ("influencer", 1, 0.7, "", None),
    HIDDEN_INFLUENCER: ("influencer", 2, 0.3, "", "老工程师，设计院和车间遇到工艺问题都先找他"),
    "D-SZ-USR:0": ("user;initiator", 1, 0.6, "", None),
    "D-HF-MGT:0": ("decider", 0, 0.9, None, None),
    "D-HF-PUR:0": ("decider;buyer", 1, 0.7, "", None),
    OPPOSING_DECIDER: ("decider;influencer", -1, 0.85, "Siemens", "与西门子合作多年，认为我们的电控不成熟"),
    "D-HF-DES:1": ("influencer", 0, 0.5, None, None),
    "D-HF-DES:3": ("influencer;user", 0, 0.3, "", None),
    "D-HF-USR:0": ("decider;user", 2, 0.65, "", None),
    "D-HF-QUA:0": ("influencer;gatekeeper", -1, None, "Siemens", None),
    "D-CQ-MGT:0": ("decider", "?", 0.85, None, None),
    "D-CQ-PUR:0": ("decider;buyer", "?", None, "三一配套", None),
    "D-HK-MGT:0": ("decider", "?", 0.9, None, None),
    GATED_DECIDER: ("decider;buyer", 0, 0.8, "Parker", None),
    GATEKEEPER: ("gatekeeper;buyer", 1, 0.35, "", None),
    "D-HK-ENG:0": ("influencer", "?", 0.6, None, None),
    "D-JN-MGT:0": ("decider", 0, 0.95, None, None),
    "D-JN-MGT:1": ("influencer;decider", 1, 0.8, "", None),
    "D-JN-PUR:0": ("buyer;gatekeeper", 0, 0.5, None, None),
    "D-JN-DES:0": ("influencer", -1, 0.75, "博世力士乐", None),
    "D-JN-DES:2": ("influencer;user", 3, 0.4, "", None),
    "D-JN-USR:0": ("user;initiator", 1, 0.5, "", None),
}
COMPETITORS = ["三一配套", "Siemens", "博世力士乐", "恒立液压", "Parker", "艾迪精密"]
# Salesforce-only deleted contacts (the importer must skip them): in the department of the
# given handle; (surname, given, title, note) for a person who left, None for a merged duplicate
DELETED_CONTACTS = [("D-SZ-PUR:3", ("钱", "振宇", "采购专员", "已离职")), ("D-JN-DES:2", None)]

# --------------------------------------------------------------------------- our team
# id, name, role, rank, business unit, accounts, e-mail local part, Salesforce title, team role
TEAM = [
    ("T01", "陈志远", "executive", 1, "液压事业部", "A-G1;A-JN", "chen.zhiyuan", "销售副总裁",
     "Executive Sponsor"),
    ("T02", "李文博", "account_manager", 3, "液压事业部", "A-G1;A-SZ;A-HF;A-CQ;A-HK", "li.wenbo",
     "大客户经理", "Account Manager"),
    ("T03", "周雪", "解决方案经理", 3, "电控事业部", "A-G1;A-SZ;A-HF;A-JN", "zhou.xue", "解决方案经理",
     "Pre-Sales Consultant"),
    ("T04", "孙浩然", "delivery_manager", 3, "液压事业部", "A-SZ;A-HF", "sun.haoran", "交付经理",
     "Delivery Manager"),
    ("T05", "赵磊", "sales", 4, "电控事业部", "A-JN", "zhao.lei", "销售经理", "Sales Manager"),
    ("T06", "吴婷", "销售", 4, "液压事业部", "A-SZ-W1;A-SZ-W2;A-HK;A-HF-W1", "wu.ting", "销售代表",
     "Lead Qualifier"),
    ("T07", "郑凯", "sales", 4, "电控事业部", "A-JN;A-HF-W2", "zheng.kai", "销售代表", "Sales Rep"),
]
TEAM_DOMAIN = "hengyuan.example.com"
OWNER = {"A-JN": "T05", "A-HK": "T06", "A-SZ-W1": "T06", "A-SZ-W2": "T06", "A-HF-W1": "T06",
         "A-HF-W2": "T07"}  # Salesforce OwnerId; everything else belongs to T02
# team_id, contact handle, strength, last_interaction: the relationships that tell the story
KEY_RELATIONSHIPS = [
    ("T01", "D-G1-MGT:0", 0.7, "2026-03-20"), ("T01", "D-G1-MGT:2", 0.6, "2026-09-18"),
    ("T01", "D-SZ-MGT:0", 0.55, "2026-06-30"), ("T01", "D-JN-MGT:0", 0.3, "2026-10-12"),
    ("T02", "D-G1-MGT:1", 0.5, "2026-09-02"), ("T02", "D-G1-PUR:0", 0.75, "2026-10-20"),
    ("T02", "D-G1-PUR:1", 0.9, "2026-10-28"), ("T02", "D-SZ-MGT:0", 0.7, "2026-10-08"),
    ("T02", "D-SZ-PUR:0", 0.8, "2026-10-15"), ("T02", "D-SZ-PUR:1", 0.9, "2026-10-30"),
    ("T02", "D-HF-MGT:0", 0.4, "2026-07-15"), ("T02", "D-HF-PUR:0", 0.6, "2026-10-10"),
    ("T03", "D-G1-TEC:0", 0.4, "2026-08-25"), ("T03", "D-SZ-DES:0", 0.7, "2026-10-22"),
    ("T03", "D-HF-DES:3", 0.3, "2026-05-20"), ("T03", "D-JN-DES:0", 0.2, "2026-09-15"),
    ("T03", "D-JN-DES:2", 0.8, "2026-10-25"), ("T04", "D-SZ-USR:0", 0.7, "2026-10-18"),
    ("T04", "D-HF-USR:0", 0.65, "2026-10-05"), ("T04", HIDDEN_INFLUENCER, 0.35, "2026-04-16"),
    ("T05", "D-JN-PUR:0", 0.5, "2026-10-19"), ("T05", "D-JN-MGT:1", 0.45, "2026-08-01"),
    ("T06", GATEKEEPER, 0.6, "2026-10-09"), ("T06", "D-SZW1-PUR:0", 0.7, "2026-10-26"),
    ("T06", "D-SZW2-PUR:0", 0.65, "2026-10-14"), ("T07", "D-HFW2-PUR:0", 0.5, "2026-09-28"),
]
# two of our divisions at 合肥 (issue 14): the electro-hydraulic deal O2 is the 电控 division's
# (owner 郑凯), which knows one of its deciders, the base's general manager, and courts him with
# its own message while 液压's account manager courts him with another (an overlap); the deal's
# purchasing and manufacturing deciders only 液压 knows (orphans of O2). Its interactions come
# from their own random stream, after the rest, so the story told before stays byte for byte.
DIVISION_RELATIONSHIPS = [("T07", "D-HF-MGT:0", 0.3, "2026-10-22")]
DIVISION_SUBJECTS = ["电液控制系统方案汇报", "新产线电控系统技术交流", "电控系统国产化替代方案"]
OPPORTUNITY_OWNER = {"O1": "T02", "O2": "T07", "O3": "T06", "O4": "T05"}
FILLER_RELATIONSHIPS = {"T02": 10, "T03": 8, "T04": 9, "T05": 6, "T06": 6, "T07": 5}
# source handle, target handle, weight, kind: influence edges that tell the story
KEY_EDGES = [
    ("D-G1-PUR:0", "D-G1-MGT:2", 0.9, "advice"), ("D-G1-TEC:0", "D-G1-MGT:2", 0.8, "咨询"),
    ("D-G1-MGT:2", "D-G1-MGT:1", 0.7, "advice"), ("D-G1-MGT:0", "D-G1-MGT:1", 0.8, "ally"),
    ("D-G1-PUR:1", "D-G1-PUR:0", 0.7, "advice"), ("D-SZ-MGT:0", "D-HF-MGT:0", 0.6, "朋友"),
    ("D-SZ-PUR:0", "D-G1-PUR:0", 0.6, "advice"), ("D-HF-PUR:0", "D-G1-PUR:0", 0.5, "advice"),
    (OPPOSING_DECIDER, "D-HF-MGT:0", 0.85, "advice"), (OPPOSING_DECIDER, "D-HF-QUA:0", 0.6, "盟友"),
    ("D-HF-USR:0", "D-HF-MGT:0", 0.5, "advice"), (OPPOSING_DECIDER, "D-SZ-DES:0", 0.5, "rival"),
    ("D-SZ-DES:0", OPPOSING_DECIDER, 0.4, "对手"), ("D-HF-PUR:0", OPPOSING_DECIDER, 0.5, "rival"),
    ("D-G1-TEC:0", "D-G1-PUR:0", 0.4, "rival"), ("D-JN-DES:0", "D-JN-DES:2", 0.5, "rival"),
    ("D-JN-DES:0", "D-JN-MGT:0", 0.8, "advice"), ("D-JN-MGT:1", "D-JN-MGT:0", 0.7, "advice"),
    ("D-JN-DES:2", "D-JN-DES:1", 0.6, "friendship"), ("D-JN-PUR:0", "D-JN-MGT:1", 0.5, "other"),
    (EXEC_UNTOUCHED, "D-HK-MGT:0", 0.7, "advice"), (GATEKEEPER, GATED_DECIDER, 0.7, "advice"),
    (GATED_DECIDER, "D-HK-MGT:0", 0.8, "advice"), ("D-HK-MGT:0", "D-HK-ENG:0", 0.5, "other"),
    ("D-HK-ENG:0", "D-HK-MGT:0", 0.6, "advice"), ("D-HK-OPS:0", "D-HK-ENG:0", 0.4, "friendship"),
    ("D-HK-PUR:2", GATEKEEPER, 0.5, "friendship"), ("D-HK-FIN:0", "D-HK-MGT:0", 0.5, "advice"),
    ("D-HK-ENG:1", "D-HK-ENG:0", 0.5, "advice"), ("D-HK-OPS:1", "D-HK-OPS:0", 0.4, "advice"),
]
# id, account, name, dmu_type, stage, value, competitor, members "handle/role/is_decider"
OPPORTUNITIES = [
    ("O1", "A-G1", "2027 年度液压件集中采购框架协议", "咨询型", "方案评估", 35_000_000, "三一配套",
     "D-G1-MGT:2/decider/是 D-G1-PUR:0/influencer/否 D-G1-TEC:0/影响者/false D-G1-PUR:1/buyer/0 "
     "D-G1-FIN:0/gatekeeper/否 D-SZ-PUR:0/user/false D-G1-MGT:1/influencer/0"),
    ("O2", "A-HF", "合肥基地新产线电液控制系统", "consensus", "Negotiation/Review", 8_600_000, "Siemens",
     "D-HF-MGT:0/决策者/是 D-HF-DES:0/decider/true D-HF-PUR:0/decider/1 D-HF-USR:0/decider/是 "
     "D-HF-DES:1/influencer/否 D-HF-PUR:2/采购者/0 D-HF-QUA:0/gatekeeper/false D-HF-USR:3/user/0 "
     "D-HF-FIN:0/influencer/否"),
    ("O3", "A-HK", "Overseas spare parts supply agreement 2027", "authority", "Qualification",
     2_400_000, "Parker", "D-HK-PUR:0/decider/true D-HK-PUR:1/gatekeeper/false "
     "D-HK-ENG:0/influencer/false D-HK-OPS:0/user/false"),
    ("O4", "A-JN", "智能产线电控系统改造", "权威型", "需求确认", 5_200_000, "博世力士乐",
     "D-JN-MGT:0/decider/1 D-JN-MGT:1/influencer/0 D-JN-DES:0/影响者/否 D-JN-DES:2/influencer/否 "
     "D-JN-PUR:0/把关者/0 D-JN-USR:0/initiator/0"),
]
# Salesforce: StageName, Probability, CloseDate, Type
SF_OPPORTUNITY = {"O1": ("Value Proposition", 50, "2027-01-15", "Existing Customer - Upgrade"),
                  "O2": ("Negotiation/Review", 90, "2026-12-20", "Existing Customer - Replacement"),
                  "O3": ("Qualification", 10, "2027-03-31", "New Customer"),
                  "O4": ("Needs Analysis", 20, "2027-02-28", "New Customer")}
RATING = {"A": ("Hot", "High"), "B": ("Warm", "Medium"), "C": ("Cold", "Low")}  # and priority
SF_INDUSTRY = {"machinery": "Machinery", "trading": "Shipping",
               "automation equipment": "Manufacturing"}

# ------------------------------------------------------------------------ vocabulary
ROLE_ZH = {"decider": "决策者", "influencer": "影响者", "gatekeeper": "把关者", "buyer": "采购者",
           "user": "使用者", "initiator": "发起者"}
STANCE_ZH = {3: "教练", 1: "支持", 0: "中立", -1: "反对"}
INTERACTION_ZH = {"visit": "拜访", "executive_visit": "高层拜访", "meeting": "会议", "technical_exchange": "技术交流",
                  "call": "电话", "email": "邮件", "event": "活动", "site_visit": "客户来访", "home_visit": "家访"}
EDGE_KIND_ZH = {"advice": "咨询", "friendship": "朋友", "ally": "盟友", "rival": "对手"}
SURNAMES = ("王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu "
            "胡hu 郭guo 何he 高gao 林lin 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han 冯feng "
            "邓deng 曹cao 彭peng 曾zeng 肖xiao 田tian 董dong 袁yuan 潘pan 蒋jiang 蔡cai 余yu 杜du 叶ye "
            "程cheng 苏su 魏wei 吕lv 丁ding 任ren 沈shen 姚yao 卢lu 崔cui 钟zhong 谭tan 陆lu 汪wang 范fan "
            "金jin 石shi 廖liao 贾jia 夏xia 韦wei 方fang 白bai 邹zou 孟meng 熊xiong 秦qin 邱qiu 尹yin "
            "薛xue 段duan 雷lei 侯hou 龙long 陶tao 贺he 顾gu 毛mao 郝hao 龚gong 邵shao 严yan 武wu 戴dai "
            "欧阳ouyang 上官shangguan")
GIVEN_MALE = ("建jian 国guo 伟wei 强qiang 军jun 磊lei 勇yong 涛tao 斌bin 鹏peng 杰jie 浩hao 峰feng 超chao "
              "明ming 刚gang 平ping 辉hui 波bo 华hua 志zhi 海hai 东dong 文wen 俊jun 宇yu 晨chen 亮liang "
              "成cheng 德de 新xin 振zhen 庆qing 立li 宏hong 永yong 忠zhong 学xue 锋feng 毅yi 凯kai 飞fei")
GIVEN_FEMALE = ("丽li 娟juan 敏min 静jing 燕yan 芳fang 玲ling 婷ting 雪xue 慧hui 颖ying 琳lin 霞xia "
                "红hong 梅mei 莉li 萍ping 洁jie 欣xin 佳jia 晓xiao 倩qian 悦yue 蕾lei 璐lu 雯wen 琴qin 秀xiu")
ENGLISH_NAMES = [("Richard", "Chan", "M"), ("Daniel", "Wong", "M"), ("Amy", "Lau", "F"),
                 ("Kelvin", "Leung", "M"), ("Grace", "Ho", "F"), ("Michael", "Tse", "M"),
                 ("Vivian", "Cheung", "F"), ("Peter", "Yip", "M"), ("Jenny", "Kwok", "F"),
                 ("Tommy", "Lee", "M")]
NOTES_ZH = ["喜欢打羽毛球", "老家山东，酒量好", "孩子明年高考", "关注国产化替代", "重视交期",
            "技术出身，喜欢看数据", "每周三下午开例会，不便拜访", "跑马拉松", "对价格非常敏感",
            "去年质量事故后对我们有看法", "刚从集团调来", "明年可能退休", "爱喝茶，喜欢紫砂壶"]
NOTES_EN = ["Prefers email over calls", "Plays golf at Fanling", "Ex-Parker, joined 2024",
            "Very price-sensitive", "Reports weekly to Shanghai HQ"]


# ------------------------------------------------------------------------ generation
@dataclass
class Contact:
    id: str
    account_id: str
    dept_id: str
    kind: str  # canonical department kind
    entry: int  # staff entry (0 = department head)
    title: str
    surname: str
    given: str
    gender: str
    english: bool
    reports_to: str = ""
    level: str = ""
    roles: list = field(default_factory=list)
    stance: int | None = None
    influence: float | None = None
    competitor: str = ""
    last_contact: dt.date | None = None
    email: str = ""
    phone: str = ""
    birthday: dt.date | None = None
    notes: str = ""

    @property
    def name(self):
        return f"{self.given} {self.surname}" if self.english else self.surname + self.given


def rng_for(part):
    """An independent, seeded random stream per part, so parts do not shift each other."""
    return random.Random(f"{SEED}-{part}")


def random_date(rng, start, end):
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def ancestors(account_id):
    parents = {a[0]: a[2] for a in ACCOUNTS}
    chain = [account_id]
    while parents[chain[-1]]:
        chain.append(parents[chain[-1]])
    return chain


def build_contacts():
    """All customer contacts, keyed by handle "department:index", in id order."""
    rng = rng_for("contacts")
    syllables = lambda text: re.findall(r"([^\x00-\x7f]+)([a-z]+)", text)  # noqa: E731
    surnames, males, females = syllables(SURNAMES), syllables(GIVEN_MALE), syllables(GIVEN_FEMALE)
    surnames = surnames[:20] * 3 + surnames[20:]  # the common surnames are more common
    english, used_names, used_emails, contacts = iter(ENGLISH_NAMES), set(), set(), {}
    for dept_id, account_id, _name, kind, _parent, _boss, staff in DEPARTMENTS:
        entries = []  # contact ids per staff entry
        for entry, spec in enumerate(staff.split("|")):
            title, count, boss = re.fullmatch(r"(.+?)(?:\*(\d+))?(?:<(\d+))?", spec).groups()
            entries.append([])
            for n in range(int(count or 1)):
                if account_id == "A-HK":
                    given, surname, gender = next(english)
                    given_py, surname_py = given.lower(), surname.lower()
                else:
                    gender = rng.choice("MMMF" if entry == 0 else "MMF")
                    while True:
                        surname, surname_py = rng.choice(surnames)
                        chars = rng.sample(males if gender == "M" else females,
                                           rng.choice([1, 2, 2]))
                        given, given_py = "".join(c for c, _ in chars), "".join(p for _, p in chars)
                        if surname + given not in used_names:
                            break
                used_names.add(surname + given)
                c = Contact(f"C{len(contacts) + 1:04d}", account_id, dept_id,
                            KIND_CANON.get(kind, kind), entry, title, surname, given, gender,
                            english=account_id == "A-HK")
                if entry:
                    bosses = entries[int(boss or 0)]
                    c.reports_to = bosses[n % len(bosses)]
                contacts[f"{dept_id}:{sum(map(len, entries))}"] = c
                entries[-1].append(c.id)
                _fill_personal(rng, c, given_py, surname_py, used_emails)
    _link_department_heads(contacts)
    for handle, c in contacts.items():
        _fill_story(rng, handle, c)
    return contacts


def _link_department_heads(contacts):
    management = {}
    for dept_id, account_id, _n, kind, *_ in DEPARTMENTS:
        if KIND_CANON.get(kind, kind) == "management":
            management.setdefault(account_id, dept_id)
    for dept_id, account_id, _n, _k, parent, boss, _s in DEPARTMENTS:
        default = f"{parent or management.get(account_id, dept_id)}:0"
        if boss or default != f"{dept_id}:0":
            contacts[f"{dept_id}:0"].reports_to = contacts[boss or default].id


def _fill_personal(rng, c, given_py, surname_py, used_emails):
    domain = EMAIL_DOMAIN[next(a for a in ancestors(c.account_id)[::-1] if a in EMAIL_DOMAIN)]
    domain = EMAIL_DOMAIN["A-HK"] if c.english else domain
    if rng.random() < 0.8:
        dotted = c.english or rng.random() < 0.5
        local = f"{given_py}.{surname_py}" if dotted else surname_py + given_py
        email, n = f"{local}@{domain}", 1
        while email in used_emails:
            n += 1
            email = f"{local}{n}@{domain}"
        used_emails.add(email)
        c.email = email
    if rng.random() < 0.75:
        c.phone = (f"+852 5000 {rng.randint(1000, 9999)}" if c.english
                   else f"{rng.choice(['138', '139', '186'])}-0000-{rng.randint(1000, 9999)}")
    if rng.random() < 0.55:
        year = rng.randint(1962, 1985) if c.entry == 0 else rng.randint(1970, 1998)
        c.birthday = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    if rng.random() < 0.3:
        c.notes = rng.choice(NOTES_EN if c.english else NOTES_ZH)


def _fill_story(rng, handle, c):
    head = c.entry == 0
    options = {
        "management": ["decider"] if head else ["influencer", "decider;influencer"],
        "purchasing": ["decider;buyer"] if head else ["buyer", "buyer", "gatekeeper;buyer"],
        "design": ["influencer;decider"] if head else ["influencer", "influencer;user"],
        "user": ["user;initiator"] if head else ["user", "user", "initiator;user"],
        "quality": ["influencer", "gatekeeper"], "logistics": ["user"],
        "finance": ["gatekeeper"] if head else [""], "other": [""],
    }[c.kind]
    roles = "" if rng.random() < 0.1 else rng.choice(options)
    if c.dept_id == NO_SUPPORTER_DEPT:
        c.stance = rng.choice([None, 0, 0, -1])
    elif c.account_id in UNTOUCHED_ACCOUNTS:
        c.stance = rng.choice([None] * 5 + [0, -1])
    else:
        c.stance = rng.choice([None, None, 0, 0, 0, 1, 1, 1, 1, 2, 2, -1])
    base = 0.75 if head else (0.45 if re.search("经理|主管|主任|长|Manager", c.title) else 0.2)
    c.influence = round(min(0.95, base + rng.uniform(0, 0.15)), 2)
    if (c.stance or 0) < 2 and (rng.random() < 0.1 or (c.stance == -1 and rng.random() < 0.6)):
        c.competitor = rng.choice(COMPETITORS)
    if c.account_id not in UNTOUCHED_ACCOUNTS + ["A-HK"] and handle != EXEC_UNTOUCHED:
        recent = rng.random() < 0.85  # the rest last met more than 180 days ago
        c.last_contact = random_date(rng, *((dt.date(2026, 5, 20), dt.date(2026, 10, 30)) if recent
                                            else (dt.date(2025, 10, 1), dt.date(2026, 4, 30))))
    c.level = LEVELS.get(handle, "")
    story = dict(zip(["roles", "stance", "influence", "competitor", "notes"],
                     STORY.get(handle, (None,) * 5)))
    roles = story.pop("roles") or roles
    c.roles = roles.split(";") if roles else []
    for key, value in story.items():
        if value is not None:
            setattr(c, key, None if value == "?" else value)


def build_relationships(contacts):
    rng = rng_for("relationships")
    rows = {(t, contacts[h].id): (s, dt.date.fromisoformat(d)) for t, h, s, d in KEY_RELATIONSHIPS}
    protected = {contacts[h].id for h in (GATED_DECIDER, EXEC_NO_PEER, EXEC_UNTOUCHED)}
    excluded = UNTOUCHED_ACCOUNTS + ["A-HK"]  # HK: only the gatekeeper, by story
    for team_id, *_, accounts, _l, _t, _r in TEAM:
        candidates = [c for c in contacts.values()
                      if c.account_id in accounts.split(";") and c.account_id not in excluded
                      and c.dept_id not in (NO_SUPPORTER_DEPT, "D-G1-MGT")
                      and c.id not in protected and (team_id, c.id) not in rows]
        for c in rng.sample(candidates, FILLER_RELATIONSHIPS.get(team_id, 0)):
            start = dt.date(2026, 8, 10) if rng.random() < 0.75 else dt.date(2026, 3, 1)
            rows[(team_id, c.id)] = (round(rng.uniform(0.2, 0.85), 2),
                                     random_date(rng, start, dt.date(2026, 10, 31)))
    rows.update({(t, contacts[h].id): (s, dt.date.fromisoformat(d)) for t, h, s, d in DIVISION_RELATIONSHIPS})
    by_id = {c.id: c for c in contacts.values()}
    for (_team_id, cid), (_strength, day) in rows.items():  # last_contact: the latest interaction
        c = by_id[cid]
        c.last_contact = day if c.last_contact is None else max(c.last_contact, day)
    return [(t, c, s, d) for (t, c), (s, d) in rows.items()]


def build_influence(contacts):
    """Story edges, then the hidden influencer's, then org-shaped random edges (~230)."""
    rng = rng_for("influence")
    edges = {(contacts[s].id, contacts[t].id): (w, k) for s, t, w, k in KEY_EDGES}
    fenced = {c.id for c in contacts.values() if c.account_id == "A-HK"}  # only story edges
    fenced.add(contacts[EXEC_UNTOUCHED].id)
    by_id = {c.id: c for c in contacts.values()}

    def add(src, dst, weight, kind):
        if src.id != dst.id and (src.id, dst.id) not in edges and not {src.id, dst.id} & fenced:
            kind = EDGE_KIND_ZH.get(kind, kind) if rng.random() < 0.25 else kind
            edges[(src.id, dst.id)] = (round(weight, 2), kind)

    near = [c for h, c in contacts.items() if h.split(":")[0] in
            ("D-SZ-DES", "D-SZ-PRC", "D-SZ-USR", "D-SZ-QUA", "D-SZW2-PUR", "D-HF-DES")]
    for c in rng.sample(near, 18):
        add(contacts[HIDDEN_INFLUENCER], c, rng.uniform(0.5, 0.85), "advice")
    for c in contacts.values():
        if c.reports_to and rng.random() < 0.45:
            add(c, by_id[c.reports_to], rng.uniform(0.3, 0.7), "advice")
    for dept_id, *_ in DEPARTMENTS:
        members = [c for c in contacts.values() if c.dept_id == dept_id]
        for _ in range(len(members) // 3):
            a, b = rng.sample(members, 2)
            add(a, b, rng.uniform(0.2, 0.6), rng.choice(["friendship", "friendship", "other"]))
    heads = {}
    for h, c in contacts.items():
        if h.endswith(":0"):
            heads.setdefault(c.account_id, {}).setdefault(c.kind, c)
    for kinds in heads.values():
        for src, dst in [("design", "purchasing"), ("user", "purchasing"), ("user", "design"),
                         ("quality", "design"), ("design", "management"),
                         ("purchasing", "management")]:
            if src in kinds and dst in kinds and rng.random() < 0.8:
                add(kinds[src], kinds[dst], rng.uniform(0.4, 0.8), "advice")
    free = [c for c in contacts.values() if c.id not in fenced]
    while len(edges) < 230:
        a, b = rng.sample(free, 2)
        if a.account_id == b.account_id or rng.random() < 0.15:
            add(a, b, rng.uniform(0.1, 0.6), rng.choice(["friendship", "advice", "other", "ally"]))
    for _ in range(4):
        add(*rng.sample(free, 2), rng.uniform(0.3, 0.6), "rival")
    return [(s, t, w, k) for (s, t), (w, k) in edges.items()]


# ------------------------------------------------------------------------ interactions
YEAR_START = AS_OF - dt.timedelta(days=365)
# team member -> (type, weight) of the interactions they log
TEAM_MIX = {
    "T01": [("executive_visit", 5), ("meeting", 3), ("event", 2)],
    "T02": [("visit", 35), ("call", 30), ("email", 25), ("meeting", 10)],
    "T03": [("technical_exchange", 40), ("email", 30), ("meeting", 20), ("call", 10)],
    "T04": [("visit", 40), ("call", 40), ("email", 20)],
}
SALES_MIX = [("call", 40), ("email", 35), ("visit", 25)]
SUBJECTS = {
    "executive_visit": ["高层拜访：年度合作回顾", "高层会晤：战略合作", "董事长/总裁拜访"],
    "visit": ["例行拜访", "交期沟通", "现场走访", "回款沟通", "新项目需求了解"],
    "meeting": ["季度业务回顾", "商务谈判", "项目启动会"],
    "technical_exchange": ["技术交流：电液控制方案", "样机测试结果交流", "国产化替代方案研讨"],
    "call": ["电话沟通交期", "电话跟进报价", "电话确认样品"],
    "email": ["报价单", "技术资料", "会议纪要", "Re: 报价单", "交付计划"],
    "event": ["行业展会", "客户答谢晚宴", "技术研讨会"],
}
NOTES_INTERACTION = ["对交期满意", "提到友商降价 5%", "希望下季度安排工厂参观", "关注售后响应速度",
                     "询问国产化替代进度", "下次带解决方案经理一起来"]
HALF_LIFE, SATURATION = 90.0, 3.0  # powermap's defaults (graph/strength.py)
WEIGHT = {"executive_visit": 3.0, "visit": 2.0, "technical_exchange": 2.0, "meeting": 1.5, "event": 1.0,
          "call": 1.0, "other": 0.5, "email": 0.25}


def build_interactions(contacts, relationships):
    """A year of interactions for every relationship: the last one on the relationship's
    last_interaction date, earlier ones going back until the history's derived strength
    (powermap's default decay) reaches the strength typed in the relationships sheet, so the
    story (and its stale chairman tie) reads the same from the history. Plus quarterly
    reviews of several of ours with several of theirs, among people who already know each
    other. Nothing after AS_OF; no one new is met (A-CQ stays untouched)."""
    rng = rng_for("interactions")
    by_id = {c.id: c for c in contacts.values()}
    divisions = {(t, contacts[h].id) for t, h, *_ in DIVISION_RELATIONSHIPS}
    story = [r for r in relationships if (r[0], r[1]) in divisions]
    relationships = [r for r in relationships if (r[0], r[1]) not in divisions]
    rows = []
    for team_id, cid, strength, last in sorted(relationships):
        rows += _history(rng, team_id, cid, strength, last, by_id[cid].account_id)
    known = {(t, c): d for t, c, _s, d in relationships}  # a review never moves anyone's last date
    for account in ("A-G1", "A-SZ", "A-HF", "A-JN"):  # quarterly business reviews
        people = sorted({c for t, c in known if by_id[c].account_id == account})
        ours = sorted({t for t, c in known if by_id[c].account_id == account and t != "T01"})
        for quarter in range(4):
            day = YEAR_START + dt.timedelta(days=45 + 91 * quarter + rng.randint(0, 20))
            team = rng.sample(ours, min(2, len(ours)))
            theirs = [c for c in people if all((t, c) in known and known[(t, c)] >= day for t in team)][:3]
            if len(team) == 2 and len(theirs) >= 2 and day <= AS_OF:
                rows.append({"date": day, "type": "meeting", "team": team, "contacts": theirs, "sender": None,
                             "account": account, "review": True})
    rows.sort(key=lambda r: (r["date"], r["team"], r["contacts"]))
    out = []
    for n, r in enumerate(rows, start=1):
        hour = rng.choice([9, 10, 11, 14, 15, 16]) if r["type"] != "email" else rng.randint(7, 22)
        subject = "季度业务回顾" if r.get("review") else rng.choice(SUBJECTS[r["type"]])
        out.append({**r, "id": f"INT-{n:04d}", "time": f"{hour:02d}:{rng.choice([0, 15, 30, 45]):02d}",
                    "subject": subject, "notes": rng.choice(NOTES_INTERACTION) if rng.random() < 0.2 else ""})
    rng = rng_for("divisions")  # the two divisions at 合肥: numbered after the rest, newest told first
    for team_id, cid, strength, last in sorted(story):
        history = _history(rng, team_id, cid, strength, last, by_id[cid].account_id)  # newest first
        told = [{**r, "subject": DIVISION_SUBJECTS[i % len(DIVISION_SUBJECTS)]} for i, r in enumerate(history)]
        for n, r in enumerate(reversed(told), start=len(out) + 1):
            out.append({**r, "id": f"INT-{n:04d}", "time": f"{rng.choice([9, 10, 14, 15]):02d}:00", "notes": ""})
    return out


def _score(items):
    total = {"m": 0.0, "o": 0.0, "i": 0.0}
    for day, kind, sender in items:
        value = WEIGHT[kind] * 0.5 ** ((AS_OF - day).days / HALF_LIFE)
        total["m" if kind != "email" else ("o" if sender == "us" else "i")] += value
    return total["m"] + 2 * min(total["o"], total["i"]) + 0.5 * abs(total["o"] - total["i"])


def _history(rng, team_id, cid, strength, last, account):
    """One relationship's interactions, back from its last date until the derived strength
    reaches the entered one."""
    target = SATURATION * strength / (1 - strength)
    mix = TEAM_MIX.get(team_id, SALES_MIX)
    kinds, weights = [k for k, _ in mix], [w for _, w in mix]
    items, day = [], last
    gap = (4, 12) if strength >= 0.7 else (8, 25) if strength >= 0.45 else (15, 45)
    while day >= YEAR_START and len(items) < 60:
        kind = rng.choices(kinds, weights)[0]
        sender = ("us" if rng.random() < 0.65 else "them") if kind == "email" else None
        items.append((day, kind, sender))
        if _score(items) >= target:
            break
        day -= dt.timedelta(days=rng.randint(*gap))
    return [{"date": day, "type": kind, "team": [team_id], "contacts": [cid],
             "sender": None if sender is None else team_id if sender == "us" else cid, "account": account}
            for day, kind, sender in items]


# The 2026 Q4 relationship plan of 华东重工 (made at the end of September): contact handle, owner,
# action (None: the type of the owner's October interaction with the contact), due, target stance
# (None: one step up from today's; "" none), opportunity, colleagues count, note, manual close.
PLAN_START = dt.date(2026, 10, 1)
PLAN = [
    ("D-G1-PUR:1", "T02", None, "2026-10-31", 3, "O1", False, "保持教练关系，了解框架协议评标规则", None),
    ("D-G1-PUR:0", "T02", None, "2026-10-31", None, "O1", False, "争取支持我方方案", None),
    ("D-SZ-DES:0", "T02", "technical_exchange", "2026-10-31", None, "O1", True, "请解决方案经理一起去", None),
    (EXEC_NO_PEER, "T01", "executive_visit", "2026-10-25", 1, "O1", False, "总裁对等高层拜访", None),
    ("D-HF-MGT:0", "T02", "home_visit", "2026-10-15", 1, "O2", False, "春节前家访", None),
    (OPPOSING_DECIDER, "T03", "site_visit", "2026-12-15", 0, "O2", False, "邀请总工程师来公司参观样机线", None),
    (HIDDEN_INFLUENCER, "T04", "visit", "2026-10-31", "", "O2", False, "",
     ("T02", "客户产线停产检修，改到下季度", "2026-10-20")),
]


# A decider who moved between the snapshots: 合肥基地's general manager (O2's decider) was
# deputy general manager at 苏州基地, under its general manager (her friend), until her
# promotion in October. The 2026Q3 workbook holds her row as it was then; `powermap demo`
# loads it, snapshots 2026Q3 and loads the current workbook over it.
MOVED_DECIDER = "D-HF-MGT:0"
MOVED_FROM = {"account_id": "A-SZ", "department_id": "D-SZ-MGT", "title": "副总经理", "manager": "D-SZ-MGT:0"}


def previous_quarter_contacts(contacts):
    """The contacts sheet of the 2026Q3 workbook: the moved decider's row as it was then."""
    c, was = contacts[MOVED_DECIDER], MOVED_FROM
    assert c.account_id == "A-HF" and contacts[was["manager"]].account_id == was["account_id"]
    return [["id", "account_id", "department_id", "name", "title", "reports_to"],
            [c.id, was["account_id"], was["department_id"], c.name, was["title"], contacts[was["manager"]].id]]


def build_plan(contacts, interactions):
    """The plan sheet's rows: done (stance reached, and done without moving it), done by an
    iron-triangle colleague, overdue, open and closed by hand on AS_OF (tests/test_demo_data.py
    checks each). No interaction is added for it: the gaps stay as they were."""
    rows = []
    for n, (handle, owner, action, due, target, opportunity, colleagues, note, close) in enumerate(PLAN, 1):
        c = contacts[handle]
        if action is None:
            action = next(r["type"] for r in interactions if r["team"] == [owner] and r["contacts"] == [c.id]
                          and PLAN_START <= r["date"] <= dt.date.fromisoformat(due) and r["type"] != "email")
        if target is None:
            target = min(3, (c.stance if c.stance is not None else 0) + 1)
        rows.append({"id": f"PL-26Q4-{n:02d}", "account": c.account_id, "contact": c.id, "owner": owner,
                     "action": action, "start": PLAN_START, "due": dt.date.fromisoformat(due),
                     "target": None if target == "" else target, "opportunity": opportunity,
                     "colleagues": colleagues, "note": note, "close": close})
    return rows


def validate_interactions(contacts, relationships, interactions):
    """The history tells the same story as the relationships sheet."""
    by_id = {c.id: c for c in contacts.values()}
    last = {}
    for r in interactions:
        assert YEAR_START <= r["date"] <= AS_OF
        for t in r["team"]:
            for c in r["contacts"]:
                assert (t, c) in {(x[0], x[1]) for x in relationships}, (t, c)
                last[(t, c)] = max(last.get((t, c), r["date"]), r["date"])
    assert all(last[(t, c)] == d for t, c, _s, d in relationships)
    assert not [r for r in interactions if by_id[r["contacts"][0]].account_id in UNTOUCHED_ACCOUNTS]
    chairman = contacts[STALE_EXEC[1]].id
    assert (AS_OF - last[(STALE_EXEC[0], chairman)]).days > 180


def validate(contacts, relationships, influence):
    """Every reference resolves, reports-to has no cycle, and the planted gaps hold."""
    by_id, accounts = {c.id: c for c in contacts.values()}, {a[0] for a in ACCOUNTS}
    assert all(a[2] in accounts | {""} for a in ACCOUNTS)
    assert all(d[1] in accounts and d[4] in {x[0] for x in DEPARTMENTS} | {""} for d in DEPARTMENTS)
    for c in by_id.values():
        seen, cur = {c.id}, c
        while cur.reports_to:
            cur = by_id[cur.reports_to]
            assert cur.id not in seen, f"reports_to cycle through {c.id}"
            seen.add(cur.id)
    assert all(t in {m[0] for m in TEAM} and c in by_id for t, c, *_ in relationships)
    assert all(s in by_id and t in by_id for s, t, *_ in influence)
    assert not {by_id[c].account_id for _, c, *_ in relationships} & set(UNTOUCHED_ACCOUNTS)
    assert all((c.stance or 0) <= 0 for c in by_id.values() if c.dept_id == NO_SUPPORTER_DEPT)
    assert [c.id for c in by_id.values() if c.stance == 3] == [contacts[h].id for h in COACHES]
    gated, keeper = contacts[GATED_DECIDER].id, contacts[GATEKEEPER].id
    assert [s for s, t, *_ in influence if t == gated] == [keeper]
    assert [c for _, c, *_ in relationships if by_id[c].account_id == "A-HK"] == [keeper]
    assert not [r for r in relationships if r[1] == contacts[EXEC_UNTOUCHED].id]
    assert not [r for r in relationships if r[:2] == ("T01", contacts[EXEC_NO_PEER].id)]
    assert 150 <= len(influence) <= 300 and len(by_id) >= 150
